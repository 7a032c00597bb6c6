// Composition root: builds every long-lived dependency once from Config, so `serve`, `worker`,
// the CLI commands and the tests assemble the same bot.
import { once } from 'node:events';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { createAuditTrail, signingKeyFromConfig } from './audit/setup.js';
import type { AuditTrail } from './audit/trail.js';
import type { Config } from './config.js';
import { IncidentStore } from './incidents/store.js';
import { type Backends, createBackends } from './integrations/backends.js';
import type { Logger } from './log.js';
import { createMetrics, type Metrics } from './metrics.js';
import { PlaybookCatalog } from './playbooks/catalog.js';
import { loadPlaybooksOrThrow } from './playbooks/loader.js';
import { createRedis } from './redis/connect.js';
import { ReplicaWait } from './redis/replica-wait.js';

export interface AppDeps {
  config: Config;
  log: Logger;
  redis: Redis;
  catalog: PlaybookCatalog;
  metrics: Metrics;
  backends: Backends;
  now: () => Date;
  /** Incidents in Redis (src/incidents/store.ts); built from `redis` when absent. */
  incidents?: IncidentStore;
  /** The audit trail, signed with PERFBOT_AUDIT_KEY when set (src/audit/setup.ts). */
  audit?: AuditTrail;
  /** Outbound HTTP for SNS certificates and confirmations; globalThis.fetch when absent. */
  fetch?: typeof globalThis.fetch;
  /** The chat layer (src/chat/runtime.ts): mounts POST /slack/events when Slack is over HTTP. */
  chat?: { routes(server: FastifyInstance): Promise<void> };
}

export interface AppOptions {
  config: Config;
  log: Logger;
  redisUrl: string;
  metrics?: Metrics;
  catalog?: PlaybookCatalog;
  backends?: Backends;
  now?: () => Date;
}

export async function createApp(options: AppOptions): Promise<AppDeps & { close(): Promise<void> }> {
  // Invalid playbooks stop the start-up: running with half a runbook is worse than not running.
  const catalog =
    options.catalog ?? new PlaybookCatalog(await loadPlaybooksOrThrow(options.config.playbooksDir));
  // Before any connection: a bad PERFBOT_AUDIT_KEY stops the start cleanly.
  const auditKey = signingKeyFromConfig(options.config, options.log);
  const redis = createRedis(options.redisUrl);
  redis.on('error', (err) => options.log.warn({ err }, 'redis connection error'));
  await Promise.race([once(redis, 'ready'), new Promise((r) => setTimeout(r, 3000))]);
  const backends = options.backends ?? createBackends(options.config, options.log);
  const deps: AppDeps = {
    config: options.config,
    log: options.log,
    redis,
    catalog,
    metrics: options.metrics ?? createMetrics(),
    backends,
    now: options.now ?? (() => new Date()),
  };
  // Issue 15: 202 only once a replica has the write (when replicas exist), and the keyed trail.
  const { redis: r, incidents: inc } = options.config;
  const replicaWait =
    r.waitReplicas > 0
      ? new ReplicaWait({
          redis,
          replicas: r.waitReplicas,
          timeoutMs: r.waitTimeoutMs,
          log: options.log,
        }).start()
      : undefined;
  deps.incidents = new IncidentStore({ redis, now: deps.now, retentionMs: inc.retentionMs, replicaWait });
  const audit = createAuditTrail({
    config: options.config,
    redis,
    log: options.log,
    now: deps.now,
    key: auditKey,
  });
  audit.startCheckpoints();
  deps.audit = audit;
  return {
    ...deps,
    close: async () => {
      replicaWait?.stop();
      await audit.close();
      await backends.close();
      redis.disconnect();
    },
  };
}
