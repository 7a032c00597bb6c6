// Verification re-runs a few checks through the diagnostics engine: the same timeouts, back ends
// and thresholds as the diagnosis that proposed the remediation, without its decision tree.
import { runDiagnosis } from '../diagnostics/engine.js';
import type { BackendSource } from '../integrations/backends.js';
import type { CheckSource } from '../integrations/registry.js';
import type { Logger } from '../log.js';
import type { PlaybookCatalog } from '../playbooks/catalog.js';
import type { RerunChecks } from './verify-job.js';

export function engineRerunChecks(deps: {
  catalog: Pick<PlaybookCatalog, 'get'>;
  backends: BackendSource;
  checks: CheckSource;
  log: Logger;
}): RerunChecks {
  return async ({ playbookId, checkIds, namespace, signal }) => {
    const playbook = deps.catalog.get(playbookId);
    const wanted = new Set(checkIds);
    const run = await runDiagnosis({
      playbook: { ...playbook, checks: playbook.checks.filter((c) => wanted.has(c.id)), decision: [] },
      namespace,
      backends: deps.backends,
      checks: deps.checks,
      log: deps.log,
      signal,
    });
    return run.checks;
  };
}
