// The long-running loops a process may run, started on an assembled App (src/app.ts):
// the response layer (diagnose and propose for every routed incident; audit every transition)
// and the remediation worker. `perfbot serve` runs both; `perfbot worker` only the worker.
import { hostname } from 'node:os';
import type { App } from './app.js';
import { startIncidentRecorder } from './audit/incident-recorder.js';
import { startAuditRetention } from './audit/retention.js';
import { consumeIncidentEvents } from './incidents/events.js';
import { startStaleIncidentSweeper } from './incidents/stale.js';
import { instrumentRemediations, instrumentWorker } from './metrics-hooks.js';
import { REMEDIATION_QUEUE } from './remediation/queue.js';
import { engineRerunChecks } from './remediation/rerun.js';
import { startProposalRetirer } from './remediation/retire.js';

/** Something started with the process that must stop with it. */
export interface Service {
  name: string;
  stop(): Promise<void>;
}

export function startResponse(app: App, consumer = `${hostname()}-${process.pid}`): Service {
  const abort = new AbortController();
  const loop = consumeIncidentEvents({
    redis: app.redis,
    prefix: app.prefix,
    group: 'response',
    consumer,
    handler: (e) => app.response.handleIncidentEvent(e),
    signal: abort.signal,
    log: app.log,
  });
  // Proposals follow the incident: resolution retires the pending ones (group "remediation").
  const retirer = startProposalRetirer({
    redis: app.redis,
    prefix: app.prefix,
    store: app.remediation.store,
    audit: app.audit,
    events: app.remediation.events,
    log: app.log,
    now: app.now,
    consumer,
  });
  // A silence's expiry or deletion in Alertmanager is noticed and put on the incident outbox.
  const stopWatching = app.watchSilences();
  // Alerts and incident transitions enter the audit trail whether or not anyone renders them.
  const recorder = startIncidentRecorder({
    redis: app.redis,
    audit: app.audit,
    log: app.log,
    prefix: app.prefix,
    consumer,
  });
  return {
    name: 'response',
    stop: async () => {
      abort.abort();
      await loop;
      await recorder.stop();
      await retirer.stop();
      await stopWatching();
      await app.response.idle();
    },
  };
}

/** Audit retention (export, then trim) and closing incidents that went stale (issue 15). */
export function startHousekeeping(app: App): Service {
  const retention = startAuditRetention({
    trail: app.audit,
    retentionMs: app.config.audit.retentionMs,
    exportDir: app.config.audit.exportDir,
    log: app.log,
  });
  const stale = startStaleIncidentSweeper({
    redis: app.redis,
    prefix: app.prefix,
    staleAfterMs: app.config.incidents.staleAfterMs,
    retentionMs: app.config.incidents.retentionMs,
    log: app.log,
  });
  return {
    name: 'housekeeping',
    stop: async () => {
      await retention.stop();
      await stale.stop();
    },
  };
}

/** Starts the worker; stopping it lets running jobs finish. */
export function startWorker(app: App): Service {
  const worker = app.remediation.startWorker({
    rerunChecks: engineRerunChecks({
      catalog: app.catalog,
      backends: app.backends,
      checks: app.checks,
      log: app.log,
    }),
  });
  instrumentWorker(app.metrics, REMEDIATION_QUEUE, worker.worker);
  const stopCounting = instrumentRemediations(app.metrics, app.remediation.events);
  return {
    name: 'remediation-worker',
    stop: async () => {
      await worker.close();
      stopCounting();
    },
  };
}
