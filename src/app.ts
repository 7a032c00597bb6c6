// Composition root: builds every long-lived dependency once from Config, so `serve`, `worker`,
// the CLI commands and the tests assemble the same bot.
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import { IncidentStore } from './incidents/store.js';
import { type Backends, createBackends } from './integrations/backends.js';
import type { Logger } from './log.js';
import { createMetrics, type Metrics } from './metrics.js';
import { PlaybookCatalog } from './playbooks/catalog.js';
import { loadPlaybooksOrThrow } from './playbooks/loader.js';
import { createWatchedRedis, redisReady } from './redis/connect.js';

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
  // Reconnects for ever; one warning a minute while Redis is away; /readyz says why.
  const redis = createWatchedRedis(options.redisUrl, {
    log: options.log,
    explicit: options.config.redisUrlExplicit,
  });
  await redisReady(redis, 3000);
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
  deps.incidents = new IncidentStore({ redis, now: deps.now });
  return {
    ...deps,
    close: async () => {
      await backends.close();
      redis.disconnect();
    },
  };
}
