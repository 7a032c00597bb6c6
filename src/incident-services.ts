// Composition of the incident lifecycle pieces of one process (outside src/incidents/, which
// never imports an integration), built from Config the same way wherever they are
// composed (serve, tests): acknowledge/resolve, silences on ALERTMANAGER_URL (or the alerts'
// externalURL) and the silence watcher. The /perf commands take them through
// `incidentActions({ store, lifecycle, silences })` (src/chat/command.ts).
import type { Redis } from 'ioredis';
import { IncidentLifecycle } from './incidents/lifecycle.js';
import { startSilenceWatcher } from './incidents/silence-watch.js';
import { IncidentSilences } from './incidents/silences.js';
import type { IncidentStore } from './incidents/store.js';
import { createAlertmanagerClient } from './integrations/alertmanager/client.js';
import type { Logger } from './log.js';

export interface IncidentServicesOptions {
  config: { alertmanagerUrls: readonly string[] };
  redis: Redis;
  incidents: IncidentStore;
  log: Logger;
  prefix?: string | undefined;
  now?: (() => Date) | undefined;
  fetch?: typeof fetch | undefined;
  /** How long a resolved incident stays readable (the store's retentionMs). */
  retentionMs?: number | undefined;
}

export interface IncidentServices {
  lifecycle: IncidentLifecycle;
  silences: IncidentSilences;
  /** Starts the silence watcher (every `intervalMs`, default 30 s); returns its stop. */
  watchSilences(intervalMs?: number): () => Promise<void>;
}

export function createIncidentServices(o: IncidentServicesOptions): IncidentServices {
  const common = { redis: o.redis, prefix: o.prefix, now: o.now };
  const lifecycle = new IncidentLifecycle({ ...common, retentionMs: o.retentionMs });
  const silences = new IncidentSilences({
    ...common,
    incidents: o.incidents,
    alertmanagerUrls: o.config.alertmanagerUrls,
    log: o.log,
    client: (url) => createAlertmanagerClient({ baseUrl: url, ...(o.fetch ? { fetch: o.fetch } : {}) }),
  });
  return {
    lifecycle,
    silences,
    watchSilences: (intervalMs) => {
      const watcher = startSilenceWatcher({ silences, redis: o.redis, log: o.log, intervalMs, now: o.now });
      return () => watcher.stop();
    },
  };
}
