// Composition root: builds every long-lived dependency once, fully, from Config — `serve`,
// `worker`, the CLI commands and the tests assemble the same bot. Nothing here starts work;
// the processes in commands/ decide which loops run (src/services.ts).
import type { Redis } from 'ioredis';
import { type AccessGate, createAccessGate } from './access/index.js';
import type { SnsVerifier } from './alerts/sns.js';
import { createAuditTrail, signingKeyFromConfig } from './audit/setup.js';
import type { AuditTrail } from './audit/trail.js';
import type { Config } from './config.js';
import { createIncidentServices } from './incident-services.js';
import type { IncidentLifecycle } from './incidents/lifecycle.js';
import type { IncidentSilences } from './incidents/silences.js';
import { IncidentStore } from './incidents/store.js';
import { type BackendSource, type Backends, createBackends, toBackends } from './integrations/backends.js';
import { type ActionSource, type CheckSource, createRegistry } from './integrations/registry.js';
import type { Logger } from './log.js';
import { createMetrics, type Metrics } from './metrics.js';
import { PlaybookCatalog } from './playbooks/catalog.js';
import { loadPlaybooksOrThrow } from './playbooks/loader.js';
import { createWatchedRedis, redisReady } from './redis/connect.js';
import { ReplicaWait } from './redis/replica-wait.js';
import { REMEDIATION_QUEUE } from './remediation/queue.js';
import { RemediationService } from './remediation/service.js';
import { DiagnosisStore } from './response/diagnoses.js';
import { ResponseEvents } from './response/events.js';
import { Responder } from './response/responder.js';

export interface App {
  config: Config;
  log: Logger;
  redis: Redis;
  /** For BullMQ's own connections. */
  redisUrl: string;
  /** Redis key prefix of everything perfbot stores. */
  prefix: string;
  catalog: PlaybookCatalog;
  metrics: Metrics;
  backends: Backends;
  checks: CheckSource;
  actions: ActionSource;
  now: () => Date;
  incidents: IncidentStore;
  /** Acknowledge and resolve by hand (src/incidents/lifecycle.ts). */
  lifecycle: IncidentLifecycle;
  /** Silences through Alertmanager for an incident's alerts. */
  silences: IncidentSilences;
  /** Starts the watcher that notices a silence's expiry or deletion; returns its stop. */
  watchSilences(intervalMs?: number): () => Promise<void>;
  /** Who may run which command where (PERFBOT_ACCESS, playbook `access` sections). */
  access: AccessGate;
  audit: AuditTrail;
  remediation: RemediationService;
  diagnoses: DiagnosisStore;
  responseEvents: ResponseEvents;
  response: Responder;
  /** Outbound HTTP for SNS certificates and confirmations. */
  fetch: typeof globalThis.fetch;
  snsVerifier?: SnsVerifier | undefined;
  close(): Promise<void>;
}

export interface AppOptions {
  config: Config;
  log: Logger;
  redisUrl: string;
  prefix?: string | undefined;
  metrics?: Metrics | undefined;
  catalog?: PlaybookCatalog | undefined;
  /** Fixed ports (tests, benchmarks); the configured back ends, built on first use, otherwise. */
  backends?: BackendSource | undefined;
  /** Fixed implementations (tests); the registry, loading integrations on demand, otherwise. */
  checks?: CheckSource | undefined;
  actions?: ActionSource | undefined;
  now?: (() => Date) | undefined;
  fetch?: typeof globalThis.fetch | undefined;
  snsVerifier?: SnsVerifier | undefined;
  /** Remediation job retries (tests shorten them). */
  remediation?: { attempts?: number; backoffMs?: number } | undefined;
  diagnosisDeadlineMs?: number | undefined;
}

export async function createApp(options: AppOptions): Promise<App> {
  const { config, log } = options;
  // Invalid playbooks stop the start-up: running with half a runbook is worse than not running.
  const catalog = options.catalog ?? new PlaybookCatalog(await loadPlaybooksOrThrow(config.playbooksDir));
  // Before any connection: a bad PERFBOT_AUDIT_KEY stops the start cleanly.
  const auditKey = signingKeyFromConfig(config, log);
  const prefix = options.prefix ?? 'perfbot:';
  // Reconnects for ever; one warning a minute while Redis is away; /readyz says why.
  const redis = createWatchedRedis(options.redisUrl, { log, explicit: config.redisUrlExplicit });
  await redisReady(redis, 3000);
  const now = options.now ?? (() => new Date());
  const metrics = options.metrics ?? createMetrics();
  const backends = options.backends ? toBackends(options.backends) : createBackends(config, log);
  const registry = createRegistry();
  const checks = options.checks ?? registry;
  const actions = options.actions ?? registry;
  // 202 only once a replica has the write, when replicas exist (PERFBOT_REDIS_WAIT_REPLICAS);
  // audit checkpoints are logged only once a replica has them, too.
  const replicaWait =
    config.redis.waitReplicas > 0
      ? new ReplicaWait({
          redis,
          replicas: config.redis.waitReplicas,
          timeoutMs: config.redis.waitTimeoutMs,
          log,
        }).start()
      : undefined;
  await replicaWait?.refresh();
  // Signed with PERFBOT_AUDIT_KEY when set; says once which guarantee the trail gives.
  const audit = createAuditTrail({
    config,
    redis,
    log,
    now,
    prefix,
    key: auditKey,
    failures: metrics.auditAppendFailures,
    replicaWait,
  });
  audit.startCheckpoints();
  const incidents = new IncidentStore({
    redis,
    prefix,
    now,
    retentionMs: config.incidents.retentionMs,
    replicaWait,
  });
  const { lifecycle, silences, watchSilences } = createIncidentServices({
    config,
    redis,
    incidents,
    log,
    prefix,
    now,
    retentionMs: config.incidents.retentionMs,
  });
  const access = await createAccessGate(config, { audit, log });
  const remediation = new RemediationService({
    redis,
    redisUrl: options.redisUrl,
    prefix,
    config,
    backends,
    actions,
    log,
    now,
    audit,
    ...options.remediation,
  });
  metrics.watchQueue(REMEDIATION_QUEUE, remediation.queue.queue);
  const diagnoses = new DiagnosisStore(redis, prefix);
  const responseEvents = new ResponseEvents({ redis, prefix, log });
  const response = new Responder({
    incidents,
    catalog,
    checks,
    backends,
    diagnoses,
    events: responseEvents,
    audit,
    propose: (input) => remediation.proposeFromDiagnosis(input),
    markDiagnosed: (id) => lifecycle.markDiagnosed(id),
    log,
    now,
    metrics,
    deadlineMs: options.diagnosisDeadlineMs,
  });
  return {
    config,
    log,
    redis,
    redisUrl: options.redisUrl,
    prefix,
    catalog,
    metrics,
    backends,
    checks,
    actions,
    now,
    incidents,
    lifecycle,
    silences,
    watchSilences,
    access,
    audit,
    remediation,
    diagnoses,
    responseEvents,
    response,
    fetch: options.fetch ?? globalThis.fetch,
    snsVerifier: options.snsVerifier,
    close: async () => {
      await response.idle();
      await remediation.close();
      await backends.close();
      replicaWait?.stop();
      await audit.close();
      redis.disconnect();
    },
  };
}
