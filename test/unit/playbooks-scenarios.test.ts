// The real playbooks' decision trees, driven through the engine's decide() with check statuses
// as the runbooks describe the incidents: each scenario must name the runbook's bottleneck and
// propose its fixes, and nothing else.
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../src/diagnostics/decide.js';
import type { CheckResult, CheckStatus } from '../../src/diagnostics/types.js';
import { loadPlaybookDir } from '../../src/playbooks/loader.js';
import type { LoadedPlaybook } from '../../src/playbooks/schema.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const byId = new Map<string, LoadedPlaybook>();

beforeAll(async () => {
  const { playbooks, problems } = await loadPlaybookDir('playbooks', root);
  expect(problems).toEqual([]);
  for (const pb of playbooks) byId.set(pb.id, pb);
});

/** Every check ok except those named. */
function diagnose(playbookId: string, bad: Record<string, CheckStatus>) {
  const pb = byId.get(playbookId);
  if (!pb) throw new Error(`no playbook ${playbookId}`);
  for (const id of Object.keys(bad)) expect(pb.checks.map((c) => c.id)).toContain(id);
  const results: CheckResult[] = pb.checks.map((c) => ({
    checkId: c.id,
    kind: c.kind,
    title: c.title,
    status: bad[c.id] ?? 'ok',
    summary: c.title,
    durationMs: 1,
  }));
  const d = decide(pb, results);
  return {
    bottlenecks: d.bottlenecks.map((b) => b.id),
    remediations: d.remediations.map((r) => r.id),
    advice: d.advice.map((a) => a.id),
  };
}

describe('sentinel-connector decision tree', () => {
  it('names nothing when every check is ok', () => {
    expect(diagnose('sentinel-connector', {})).toEqual({ bottlenecks: [], remediations: [], advice: [] });
  });

  it('slow batches + slow S3 + SlowDown errors → S3 throttling, lower the rate limit', () => {
    const d = diagnose('sentinel-connector', {
      'batch-processing-time': 'warn',
      's3-download-latency': 'critical',
      'slowdown-log-lines': 'critical',
    });
    expect(d.bottlenecks).toEqual(['slow-processing', 's3-download-slow', 's3-throttling']);
    expect(d.remediations).toEqual(['reduce-aws-rate-limit', 'reduce-aws-batch-size']);
  });

  it('slow batches + high CPU while S3 and Sentinel are fast → parsing, advice only', () => {
    const d = diagnose('sentinel-connector', { 'batch-processing-time': 'warn', 'cpu-usage': 'critical' });
    expect(d.bottlenecks).toEqual(['slow-processing', 'parsing-slow']);
    expect(d.remediations).toEqual([]);
    expect(d.advice).toEqual(['parser-log-size', 'parser-regex', 'compression', 'parser-profiling']);
  });

  it('slow batches + slow Sentinel + slow workspace → Sentinel health, smaller Sentinel batches', () => {
    const d = diagnose('sentinel-connector', {
      'batch-processing-time': 'critical',
      'sentinel-ingestion-latency': 'critical',
      'workspace-ingestion-latency': 'warn',
    });
    expect(d.bottlenecks).toEqual([
      'slow-processing',
      'sentinel-slow',
      'sentinel-unhealthy',
      'not-improving',
    ]);
    expect(d.remediations).toEqual(['reduce-sentinel-batch-size']);
    expect(d.advice).toContain('sentinel-parallelism');
    expect(d.advice).toContain('sentinel-batch-timeout');
  });

  it('memory spike without slow batches → memory pressure, batch sizes and memory limit', () => {
    const d = diagnose('sentinel-connector', { 'memory-usage': 'critical', oomkilled: 'critical' });
    expect(d.bottlenecks).toEqual(['memory-pressure']);
    expect(d.remediations).toEqual([
      'reduce-sentinel-batch-size',
      'reduce-aws-batch-size',
      'raise-memory-limit',
    ]);
  });
});

describe('data-pipeline decision tree', () => {
  it('names nothing when every check is ok', () => {
    expect(diagnose('data-pipeline', {})).toEqual({ bottlenecks: [], remediations: [], advice: [] });
  });

  it('a quiet market (low throughput, no lag) is not an incident', () => {
    expect(diagnose('data-pipeline', { throughput: 'critical' }).bottlenecks).toEqual([]);
  });

  it('latency + consumer lag + few partitions → scale consumers to 4, then 12 partitions', () => {
    const d = diagnose('data-pipeline', {
      'p95-latency': 'warn',
      'consumer-lag': 'critical',
      'topic-partitions': 'warn',
    });
    expect(d.bottlenecks).toEqual([
      'high-latency',
      'latency-consumer-lag',
      'kafka',
      'consumers-behind',
      'too-few-partitions',
    ]);
    expect(d.remediations).toEqual(['scale-normalization-4', 'kafka-partitions-12']);
  });

  it('normalization-service CPU-bound → raise its CPU limit, scale to 6', () => {
    const d = diagnose('data-pipeline', { 'normalization-cpu': 'critical', 'pod-cpu': 'critical' });
    expect(d.bottlenecks).toEqual(['high-cpu', 'normalization-cpu-high']);
    expect(d.remediations).toEqual(['raise-cpu-normalization', 'scale-normalization-6']);
    expect(d.advice).toContain('cpu-usage-units');
  });

  it('ClickHouse busy and slow → scale the ClickHouse StatefulSet, with index advice', () => {
    const d = diagnose('data-pipeline', {
      'clickhouse-processes': 'warn',
      'clickhouse-slow-queries': 'critical',
    });
    expect(d.bottlenecks).toEqual(['database', 'clickhouse-overloaded', 'clickhouse-slow']);
    expect(d.remediations).toEqual(['scale-clickhouse-3']);
    expect(d.advice).toEqual(
      expect.arrayContaining(['clickhouse-scaling', 'clickhouse-indexes', 'clickhouse-query-hints']),
    );
  });

  it('PostgreSQL near its connection limit → advice only, no scaling', () => {
    const d = diagnose('data-pipeline', { 'postgres-active-connections': 'critical' });
    expect(d.bottlenecks).toEqual(['database', 'postgres-busy']);
    expect(d.remediations).toEqual([]);
    expect(d.advice).toContain('postgresql-scaling');
  });

  it('restarts Redis only when Redis itself is unhealthy, not for a cold cache', () => {
    const cold = diagnose('data-pipeline', { 'p95-latency': 'warn', 'cache-hit-rate': 'warn' });
    expect(cold.bottlenecks).toEqual(['high-latency', 'latency-cache']);
    expect(cold.remediations).toEqual([]);
    const sick = diagnose('data-pipeline', {
      'p95-latency': 'warn',
      'cache-hit-rate': 'critical',
      'redis-ready': 'critical',
    });
    expect(sick.bottlenecks).toEqual(['high-latency', 'latency-cache', 'redis-unhealthy']);
    expect(sick.remediations).toEqual(['restart-redis']);
  });

  it('slow DNS to ClickHouse → network, service discovery advice', () => {
    const d = diagnose('data-pipeline', { 'clickhouse-dns': 'critical' });
    expect(d.bottlenecks).toEqual(['network', 'dns-slow']);
    expect(d.advice).toEqual(['network-policies', 'service-config', 'service-discovery']);
  });
});
