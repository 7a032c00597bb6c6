// Parsed batch → routed → stored → counted. Shared by the three webhook routes.
import type { IncidentStore } from '../incidents/store.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { PlaybookCatalog } from '../playbooks/catalog.js';
import { routeAlert } from '../playbooks/route.js';
import type { AlertBatch } from './schema.js';

export interface IntakeDeps {
  catalog: PlaybookCatalog;
  incidents: IncidentStore;
  metrics: Metrics;
  log: Logger;
}

export interface IntakeAnswer {
  accepted: number;
  incidents: string[];
  /** Why nothing was taken from a well-formed notification (see AlertBatch.ignored). */
  ignored?: string;
}

export async function intakeBatch(deps: IntakeDeps, batch: AlertBatch): Promise<IntakeAnswer> {
  const decisions = batch.alerts.map((alert) => routeAlert(alert, deps.catalog));
  // Throws StoreUnavailableError when Redis cannot take it: nothing was written.
  const result = await deps.incidents.apply(batch, decisions);
  let firing = 0;
  for (const alert of batch.alerts) if (alert.status === 'firing') firing++;
  // One increment per label set, not per alert: prom-client hashes the labels on every call.
  if (firing > 0) deps.metrics.alertsReceived.inc({ source: batch.source, status: 'firing' }, firing);
  const resolved = batch.alerts.length - firing;
  if (resolved > 0) deps.metrics.alertsReceived.inc({ source: batch.source, status: 'resolved' }, resolved);
  for (const t of result.transitions) {
    if (t.type === 'opened') {
      deps.metrics.incidentsOpened.inc({ playbook: t.playbookId ?? 'none' });
      deps.log.info(
        { incident: t.incidentId, playbook: t.playbookId, trigger: t.trigger, source: batch.source },
        'incident opened',
      );
    } else if (t.type === 'resolved') {
      deps.log.info({ incident: t.incidentId, source: batch.source }, 'incident resolved');
    }
  }
  if (batch.ignored !== undefined) {
    deps.log.info(
      { source: batch.source, group: batch.group, reason: batch.ignored },
      'notification ignored',
    );
    return { accepted: batch.alerts.length, incidents: result.incidents, ignored: batch.ignored };
  }
  return { accepted: batch.alerts.length, incidents: result.incidents };
}
