// Each branch of both runbooks, driven from the back ends' side: every check of the real
// playbook returns a measured value (healthy unless the scenario says otherwise), the engine
// holds it against the playbook's thresholds, and the decision tree must name that branch's
// bottleneck. (playbooks-scenarios.test.ts drives the same trees with statuses directly.)
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runDiagnosis } from '../../src/diagnostics/engine.js';
import { BACKEND_VARIABLE, type BackendName, type CheckStatus } from '../../src/diagnostics/types.js';
import type { AnyCheckDefinition } from '../../src/integrations/registry.js';
import { silentLogger } from '../../src/log.js';
import { CHECK_KINDS, CHECK_PARAMS, type CheckKind } from '../../src/playbooks/kinds.js';
import { loadPlaybookDir } from '../../src/playbooks/loader.js';
import { resolvePlaceholders } from '../../src/playbooks/placeholders.js';
import type { LoadedPlaybook } from '../../src/playbooks/schema.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const playbooks = new Map<string, LoadedPlaybook>();

beforeAll(async () => {
  const { playbooks: loaded, problems } = await loadPlaybookDir('playbooks', root);
  expect(problems).toEqual([]);
  for (const pb of loaded) playbooks.set(pb.id, pb);
});

const backendOf = (kind: CheckKind): BackendName =>
  kind === 'azure.metric'
    ? 'azureMetrics'
    : kind === 'azure.logs'
      ? 'azureLogs'
      : (kind.split('.')[0] as BackendName);
/** The per-installation values the playbooks take from the environment (${VAR} placeholders). */
const INSTALLATION = {
  SENTINEL_S3_BUCKET: 'connector-logs',
  SENTINEL_SUBSCRIPTION_ID: '11111111-2222-3333-4444-555555555555',
  SENTINEL_RESOURCE_GROUP: 'security',
  SENTINEL_WORKSPACE: 'sentinel',
};

const everyBackend = Object.fromEntries(Object.keys(BACKEND_VARIABLE).map((b) => [b, {}]));

/** A value every threshold calls healthy: 0 for "above" limits, twice the limit for "below". */
function healthy(t: LoadedPlaybook['checks'][number]['thresholds']): number {
  if (t?.direction === 'below') return 2 * (t.warn ?? t.critical ?? 0) + 1;
  return 0;
}

/**
 * Runs the playbook with fake back ends: the check whose (kind, params) matches answers the
 * scenario's value for its id. Returns the statuses the engine gave and the bottleneck ids.
 */
async function diagnoseWith(playbookId: string, measured: Record<string, number>) {
  const pb = playbooks.get(playbookId);
  if (!pb) throw new Error(`no playbook ${playbookId}`);
  // Keyed by the parameters as the engine hands them over: placeholders filled, defaults applied.
  const byKey = new Map(
    pb.checks.map((c) => {
      const params = CHECK_PARAMS[c.kind].parse(resolvePlaceholders(c.params, INSTALLATION).value);
      return [`${c.kind} ${JSON.stringify(params)}`, c];
    }),
  );
  expect(byKey.size, 'every check of the playbook is distinguishable by kind and params').toBe(
    pb.checks.length,
  );
  for (const id of Object.keys(measured)) expect(pb.checks.map((c) => c.id)).toContain(id);
  const checks: Partial<Record<CheckKind, AnyCheckDefinition>> = Object.fromEntries(
    CHECK_KINDS.map((kind) => [
      kind,
      {
        kind,
        backend: backendOf(kind),
        run: async (ctx: { params: unknown }) => {
          const check = byKey.get(`${kind} ${JSON.stringify(ctx.params)}`);
          if (!check) throw new Error(`unexpected ${kind} params ${JSON.stringify(ctx.params)}`);
          return { value: measured[check.id] ?? healthy(check.thresholds) };
        },
      },
    ]),
  );
  const run = await runDiagnosis({
    playbook: pb,
    backends: everyBackend,
    checks,
    log: silentLogger,
    env: INSTALLATION,
  });
  const statuses: Record<string, CheckStatus> = {};
  for (const c of run.checks) if (c.status !== 'ok') statuses[c.checkId] = c.status;
  return {
    statuses,
    bottlenecks: run.diagnosis.bottlenecks.map((b) => b.id),
    names: run.diagnosis.bottlenecks.map((b) => b.name),
    summaries: Object.fromEntries(run.diagnosis.bottlenecks.map((b) => [b.id, b.summary])),
    remediations: run.diagnosis.remediations.map((r) => r.id),
    advice: run.diagnosis.advice.map((a) => a.id),
  };
}

describe('sentinel-connector runbook branches, from measured values', () => {
  it('healthy connector: every check ok, no bottleneck', async () => {
    const d = await diagnoseWith('sentinel-connector', {});
    expect(d.statuses).toEqual({});
    expect(d.bottlenecks).toEqual([]);
  });

  it('slow batches, slow S3 downloads, SlowDown and 5xx → S3 throttling', async () => {
    const d = await diagnoseWith('sentinel-connector', {
      'batch-processing-time': 12, // s
      's3-download-latency': 1.8, // s
      'slowdown-log-lines': 42,
      's3-5xx-errors': 150,
    });
    expect(d.statuses).toEqual({
      'batch-processing-time': 'warn',
      's3-download-latency': 'warn',
      'slowdown-log-lines': 'critical',
      's3-5xx-errors': 'critical',
    });
    expect(d.bottlenecks).toEqual(['slow-processing', 's3-download-slow', 's3-throttling']);
    expect(d.names).toContain('S3 throttling (SlowDown / 5xx / rate limiter waits)');
    expect(d.remediations).toEqual(['reduce-aws-rate-limit', 'reduce-aws-batch-size']);
    expect(d.advice).toEqual(['s3-throttling', 's3-prefix-partitioning']);
  });

  it('slow batches, CPU-bound while S3 and Sentinel are fast → log complexity (parsing)', async () => {
    const d = await diagnoseWith('sentinel-connector', {
      'batch-processing-time': 9,
      'cpu-usage': 92, // percent
      'pod-cpu': 0.95, // of the limit
    });
    expect(d.bottlenecks).toEqual(['slow-processing', 'parsing-slow']);
    expect(d.summaries['parsing-slow']).toBe('Check log complexity.');
    expect(d.remediations).toEqual([]);
    expect(d.advice).toEqual(['parser-log-size', 'parser-regex', 'compression', 'parser-profiling']);
  });

  it('slow batches, slow ingestion, a degraded workspace and an open circuit breaker → Sentinel health', async () => {
    const d = await diagnoseWith('sentinel-connector', {
      'batch-processing-time': 14,
      'sentinel-ingestion-latency': 7.5, // s
      'workspace-ingestion-latency': 900, // s
      'circuit-breaker-opens': 6,
    });
    expect(d.bottlenecks).toEqual(['slow-processing', 'sentinel-slow', 'sentinel-unhealthy']);
    expect(d.summaries['sentinel-slow']).toBe('Check Sentinel health.');
    expect(d.remediations).toEqual(['reduce-sentinel-batch-size']);
    expect(d.advice).toEqual(expect.arrayContaining(['sentinel-health', 'sentinel-parallelism']));
  });

  it('slow batches with memory near the limit and an OOMKill → batch sizes (memory)', async () => {
    const d = await diagnoseWith('sentinel-connector', {
      'batch-processing-time': 7,
      'memory-usage': 1_200_000_000, // bytes
      'pod-memory': 0.93,
      oomkilled: 2,
    });
    expect(d.statuses).toMatchObject({
      'memory-usage': 'critical',
      'pod-memory': 'critical',
      oomkilled: 'critical',
    });
    expect(d.bottlenecks).toEqual(['slow-processing', 'memory-high']);
    expect(d.names).toContain('Memory is high — check batch sizes');
    expect(d.remediations).toEqual([
      'reduce-sentinel-batch-size',
      'reduce-aws-batch-size',
      'raise-memory-limit',
    ]);
  });

  it('batches past the 30 s alert threshold are named as such', async () => {
    const d = await diagnoseWith('sentinel-connector', { 'batch-processing-time': 45 });
    expect(d.statuses).toEqual({ 'batch-processing-time': 'critical' });
    expect(d.bottlenecks).toEqual(['slow-processing', 'not-improving']);
  });
});

describe('data-pipeline runbook categories, from measured values', () => {
  it('healthy pipeline: every check ok, no bottleneck', async () => {
    const d = await diagnoseWith('data-pipeline', {});
    expect(d.statuses).toEqual({});
    expect(d.bottlenecks).toEqual([]);
  });

  it('1. high latency from slow database queries', async () => {
    const d = await diagnoseWith('data-pipeline', {
      'p95-latency': 0.35, // s
      'p99-latency': 0.8,
      'db-query-time': 0.12,
    });
    expect(d.statuses).toEqual({
      'p95-latency': 'warn',
      'p99-latency': 'warn',
      'db-query-time': 'warn',
    });
    expect(d.bottlenecks).toEqual(['high-latency', 'latency-database', 'database']);
    expect(d.advice).toEqual(expect.arrayContaining(['clickhouse-indexes', 'code-optimization']));
  });

  it('2. high CPU: normalization-service CPU-bound and throttled', async () => {
    const d = await diagnoseWith('data-pipeline', {
      'normalization-cpu': 0.95,
      'pod-cpu': 0.93,
      'cpu-throttling': 0.4,
    });
    expect(d.bottlenecks).toEqual(['high-cpu', 'normalization-cpu-high', 'cpu-throttled']);
    expect(d.remediations).toEqual(['raise-cpu-normalization', 'scale-normalization-6']);
  });

  it('3. high memory: enrichment-service near its limit, OOMKilled, growing', async () => {
    const d = await diagnoseWith('data-pipeline', {
      'enrichment-memory': 0.92,
      'pod-memory': 0.91,
      oomkilled: 1,
      'memory-growth': 50_000, // bytes/s
    });
    expect(d.bottlenecks).toEqual(['high-memory', 'enrichment-memory-high', 'oom-killed', 'memory-leak']);
    expect(d.remediations).toEqual(['raise-memory-enrichment']);
    expect(d.advice).toEqual(expect.arrayContaining(['batch-processing', 'memory-leak-hunting']));
  });

  it('4. database: ClickHouse busy and slow, connection pool exhausted', async () => {
    const d = await diagnoseWith('data-pipeline', {
      'clickhouse-processes': 95,
      'clickhouse-slow-queries': 15_000, // ms
      'connection-pool-usage': 0.97,
    });
    expect(d.bottlenecks).toEqual(['database', 'clickhouse-overloaded', 'clickhouse-slow', 'pool-exhausted']);
    expect(d.remediations).toEqual(['scale-clickhouse-3']);
  });

  it('5. Kafka: consumers far behind, throughput under target, too few partitions', async () => {
    const d = await diagnoseWith('data-pipeline', {
      'consumer-lag': 250_000, // messages
      throughput: 4000, // msg/s
      'topic-partitions': 3,
    });
    expect(d.statuses).toEqual({
      'consumer-lag': 'critical',
      throughput: 'critical',
      'topic-partitions': 'critical',
    });
    expect(d.bottlenecks).toEqual([
      'critical-degradation',
      'kafka',
      'consumers-behind',
      'throughput-under-target',
      'too-few-partitions',
    ]);
    expect(d.remediations).toEqual(['scale-normalization-4', 'kafka-partitions-12']);
  });

  it('6. network: slow TCP connect, slow DNS, interface errors', async () => {
    const d = await diagnoseWith('data-pipeline', {
      'clickhouse-tcp-connect': 250, // ms
      'clickhouse-dns': 1500, // ms
      'network-errors': 3, // per second
    });
    expect(d.bottlenecks).toEqual(['network', 'dns-slow', 'packet-errors']);
    expect(d.advice).toEqual(expect.arrayContaining(['service-discovery', 'network-policies']));
  });
});
