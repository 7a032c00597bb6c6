// Re-running an incident's diagnosis on demand (the Re-run diagnosis button, `/perf diagnose
// <incident>`): the same playbook, in the namespace the first diagnosis used (the alert's, when
// the playbook allows it), as the person who asked. Its report and any new proposal land in the
// incident's thread; a fix proposed before is found again, not doubled (proposals are keyed).
import type { IncidentStore } from '../incidents/store.js';
import type { PlaybookCatalog } from '../playbooks/catalog.js';
import { incidentNamespace, type Responder } from './responder.js';

export type RerunOutcome =
  | { outcome: 'started'; diagnosisId: string; playbookId: string; namespace: string }
  | { outcome: 'not-found' }
  /** A resolved incident is not diagnosed again: nothing may be proposed for it. */
  | { outcome: 'resolved' }
  | { outcome: 'no-playbook' };

export interface RerunDeps {
  incidents: Pick<IncidentStore, 'get'>;
  catalog: PlaybookCatalog;
  response: Pick<Responder, 'diagnose'>;
}

export async function rerunDiagnosis(
  deps: RerunDeps,
  incidentId: string,
  requester: string,
): Promise<RerunOutcome> {
  const incident = await deps.incidents.get(incidentId);
  if (!incident) return { outcome: 'not-found' };
  if (incident.status === 'resolved') return { outcome: 'resolved' };
  const playbook = incident.playbookId ? deps.catalog.find(incident.playbookId) : undefined;
  if (!playbook) return { outcome: 'no-playbook' };
  // As when it opened: an alert's namespace outside the playbook's bounds is not followed (that
  // refusal was audited then); the playbook's own namespace is diagnosed instead.
  const { namespace } = incidentNamespace(playbook, incident);
  const diagnosisId = deps.response.diagnose({
    playbook,
    namespace,
    incidentId,
    requester,
    origin: 'rerun',
  });
  return {
    outcome: 'started',
    diagnosisId,
    playbookId: playbook.id,
    namespace: namespace ?? playbook.target.namespace,
  };
}
