import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadPlaybookDir, parsePlaybookText } from '../../src/playbooks/loader.js';
import type { Condition, DecisionNode, LoadedPlaybook } from '../../src/playbooks/schema.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const format = (p: { file: string; line: number; message: string }) => `${p.file}:${p.line}: ${p.message}`;

// Loaded once: the tests below only read the result.
let loaded: ReturnType<typeof loadPlaybookDir> | undefined;
async function realPlaybooks(): Promise<Map<string, LoadedPlaybook>> {
  loaded ??= loadPlaybookDir('playbooks', root);
  const { playbooks, problems } = await loaded;
  expect(problems.map(format)).toEqual([]);
  return new Map(playbooks.map((p) => [p.id, p]));
}

function conditionChecks(c: Condition): string[] {
  if ('check' in c) return [c.check];
  if ('all' in c) return c.all.flatMap(conditionChecks);
  if ('any' in c) return c.any.flatMap(conditionChecks);
  return conditionChecks(c.not);
}

function allNodes(nodes: DecisionNode[]): DecisionNode[] {
  return nodes.flatMap((n) => [n, ...allNodes(n.branches ?? [])]);
}

describe('the real playbooks', () => {
  it('load with zero problems', async () => {
    const byId = await realPlaybooks();
    expect([...byId.keys()].sort()).toEqual(['data-pipeline', 'sentinel-connector']);
  });

  it('reference every remediation and advice from the decision tree, and use every judged check', async () => {
    for (const pb of (await realPlaybooks()).values()) {
      const nodes = allNodes(pb.decision);
      const usedRemediations = new Set(nodes.flatMap((n) => n.remediations ?? []));
      const usedAdvice = new Set(nodes.flatMap((n) => n.advice ?? []));
      const usedChecks = new Set(nodes.flatMap((n) => conditionChecks(n.when)));
      expect(pb.remediations.map((r) => r.id).filter((id) => !usedRemediations.has(id))).toEqual([]);
      expect(pb.advice.map((a) => a.id).filter((id) => !usedAdvice.has(id))).toEqual([]);
      // Checks without thresholds are evidence for a person (log samples, a traffic chart).
      const judged = pb.checks.filter((c) => c.thresholds);
      expect(judged.map((c) => c.id).filter((id) => !usedChecks.has(id))).toEqual([]);
    }
  });
});

describe('sentinel-connector playbook', () => {
  it('answers to "sentinel" and "s3-sentinel" and targets app=s3-sentinel-connector', async () => {
    const pb = (await realPlaybooks()).get('sentinel-connector');
    expect(pb?.aliases).toEqual(expect.arrayContaining(['sentinel', 's3-sentinel']));
    expect(pb?.target.selector).toEqual({ app: 's3-sentinel-connector' });
  });

  it('carries every number of the Key Performance Metrics table on its check', async () => {
    const pb = (await realPlaybooks()).get('sentinel-connector');
    const table = Object.fromEntries(
      (pb?.checks ?? []).map((c) => [c.id, { unit: c.unit, thresholds: c.thresholds }]),
    );
    const above = (warn: number, critical: number, normal: string) => ({
      direction: 'above',
      warn,
      critical,
      normal,
    });
    // | Metric | Normal Range | Alert Threshold |
    expect(table['batch-processing-time']).toEqual({ unit: 's', thresholds: above(5, 30, '<5s') });
    expect(table['s3-download-latency']).toEqual({ unit: 's', thresholds: above(0.5, 2, '<500ms') });
    expect(table['sentinel-ingestion-latency']).toEqual({ unit: 's', thresholds: above(1, 5, '<1s') });
    expect(table['memory-usage']).toEqual({ unit: 'bytes', thresholds: above(500e6, 1e9, '<500MB') });
    expect(table['cpu-usage']).toEqual({ unit: 'percent', thresholds: above(50, 80, '<50%') });
    expect(table['rate-limit-wait']).toEqual({ unit: 's', thresholds: above(0, 1, '0ms') });
  });

  it('automates only real config keys and leaves constructor parameters to advice', async () => {
    const pb = (await realPlaybooks()).get('sentinel-connector');
    const sets = (pb?.remediations ?? [])
      .filter((r) => r.action === 'kubernetes.configmap.set')
      .map((r) => [r.params.path, r.params.value, r.params.key]);
    expect(sets.sort()).toEqual([
      ['aws.batch_size', 500, 'config.yaml'],
      ['aws.rate_limit', 5, 'config.yaml'],
      ['sentinel.batch_size', 500, 'config.yaml'],
    ]);
    const advice = (pb?.advice ?? []).map((a) => a.text).join('\n');
    expect(advice).toMatch(/SentinelRouter\(\.\.\., batch_timeout=60\)/);
    expect(advice).toMatch(/SentinelRouter\(\.\.\., max_concurrent_batches=8\)/);
    expect(advice).toContain('src/core/__init__.py');
  });

  it('models Step 1 as a tree: slow processing branches into S3, parsing, Sentinel and memory', async () => {
    const pb = (await realPlaybooks()).get('sentinel-connector');
    const root = pb?.decision.find((n) => n.id === 'slow-processing');
    expect(root?.when).toEqual({ check: 'batch-processing-time' });
    expect(root?.branches?.map((b) => b.id)).toEqual([
      's3-download-slow',
      'parsing-slow',
      'sentinel-slow',
      'memory-high',
    ]);
    expect(root?.branches?.[0]?.branches?.map((b) => b.id)).toEqual(['s3-throttling']);
    expect(root?.branches?.[2]?.branches?.map((b) => b.id)).toEqual(['sentinel-unhealthy']);
    expect(root?.branches?.[3]?.remediations).toContain('reduce-sentinel-batch-size');
  });

  it('keeps the runbook Verification list', async () => {
    const pb = (await realPlaybooks()).get('sentinel-connector');
    expect(pb?.verification.items).toEqual([
      'Latency returned to normal range',
      'No new errors or throttling',
      'Memory/CPU usage stable',
      'Throughput meets SLA',
    ]);
  });
});

describe('data-pipeline playbook', () => {
  it('holds the Expected Performance Targets as thresholds', async () => {
    const pb = (await realPlaybooks()).get('data-pipeline');
    const t = (id: string) => pb?.checks.find((c) => c.id === id)?.thresholds;
    expect(t('throughput')).toMatchObject({ direction: 'below', warn: 10000 });
    expect(t('p95-latency')).toMatchObject({ direction: 'above', warn: 0.1 });
    expect(t('p99-latency')).toMatchObject({ direction: 'above', warn: 0.5 });
    expect(t('error-rate')).toMatchObject({ direction: 'above', warn: 0.001 });
    expect(t('pod-cpu')).toMatchObject({ direction: 'above', warn: 0.7 });
    expect(t('pod-memory')).toMatchObject({ direction: 'above', warn: 0.8 });
    expect(t('db-query-time')).toMatchObject({ direction: 'above', warn: 0.05 });
    expect(pb?.checks.find((c) => c.id === 'clickhouse-slow-queries')?.params).toEqual({
      minDurationMs: 1000,
      limit: 10,
    });
    expect(pb?.checks.find((c) => c.id === 'consumer-lag')?.params).toEqual({
      group: 'normalization-group',
      topic: 'market-data',
    });
  });

  it('names a bottleneck for each of the six issue categories', async () => {
    const pb = (await realPlaybooks()).get('data-pipeline');
    const top = new Map(pb?.decision.map((n) => [n.id, n.bottleneck]));
    for (const id of ['high-latency', 'high-cpu', 'high-memory', 'database', 'kafka', 'network'])
      expect(top.get(id), id).toBeTruthy();
  });

  it('does not copy the runbook mistakes into remediations', async () => {
    const pb = (await realPlaybooks()).get('data-pipeline');
    const rem = new Map(pb?.remediations.map((r) => [r.id, r]));
    expect(rem.get('restart-redis')).toMatchObject({
      action: 'kubernetes.restart',
      params: { workload: { kind: 'Deployment', name: 'redis' } },
    });
    expect(rem.get('scale-clickhouse-3')).toMatchObject({
      action: 'kubernetes.scale',
      params: { workload: { kind: 'StatefulSet', name: 'clickhouse' }, replicas: 3 },
      approval: { required: 2 },
    });
    expect(rem.get('kafka-partitions-12')).toMatchObject({
      action: 'kafka.partitions',
      params: { topic: 'market-data', partitions: 12 },
      approval: { required: 2 },
    });
    expect(rem.get('scale-normalization-4')?.params).toMatchObject({ replicas: 4, max: 12 });
    expect(rem.get('scale-normalization-6')?.params).toMatchObject({ replicas: 6, max: 12 });
    expect(rem.get('raise-cpu-normalization')?.params).toMatchObject({
      requests: { cpu: '1000m' },
      limits: { cpu: '2000m' },
    });
    expect(rem.get('raise-memory-normalization')?.params).toMatchObject({
      requests: { memory: '2Gi' },
      limits: { memory: '4Gi' },
    });
    // PostgreSQL needs replication, not a replica count: advice only.
    const workloads = pb?.remediations.map((r) => (r.params.workload as { name?: string } | undefined)?.name);
    expect(workloads).not.toContain('postgresql');
    expect(pb?.advice.find((a) => a.id === 'postgresql-scaling')?.text).toMatch(/replication/);
    expect(pb?.advice.find((a) => a.id === 'clickhouse-query-hints')?.text).toMatch(/no optimizer hints/);
    expect(pb?.advice.find((a) => a.id === 'clickhouse-indexes')?.text).toMatch(/MATERIALIZE INDEX/);
    expect(pb?.advice.find((a) => a.id === 'clickhouse-materialized-views')?.text).toMatch(
      /AggregatingMergeTree/,
    );
  });
});

describe('broken playbooks', () => {
  it('report each problem as file:line: message, all at once', async () => {
    const { playbooks, problems } = await loadPlaybookDir('test/fixtures/playbooks/broken', root);
    expect(playbooks).toEqual([]);
    const dir = 'test/fixtures/playbooks/broken';
    const lines = problems.map(format);
    expect(lines).toHaveLength(6);
    expect(lines).toContain(`${dir}/unknown-check.yml:15: unknown check "no-such-check"`);
    expect(lines).toContain(`${dir}/unknown-remediation.yml:14: unknown remediation "no-such-fix"`);
    expect(lines).toContain(
      `${dir}/thresholds-order.yml:13: thresholds out of order: with direction above, warn (5) must be ≤ critical (1)`,
    );
    expect(lines).toContain(`${dir}/unknown-param.yml:11: prometheus.query: Unrecognized key: "step"`);
    expect(lines).toContain(
      `${dir}/yaml-syntax.yml:8: YAML: Nested mappings are not allowed in compact mappings`,
    );
    // The regex engine's wording varies by Node version; the pattern quoted is the author's own.
    expect(lines.find((l) => l.includes('bad-regex.yml'))).toMatch(
      new RegExp(`^${dir}/bad-regex\\.yml:8: invalid regex: .*/normalization-\\(service/.*`),
    );
  });

  it('report a duplicate key at its second occurrence, and agree with the positional parser on values', () => {
    // js-yaml reads valid files (fast); `yaml` describes what js-yaml refuses, with the line.
    const dup = 'id: a\nname: A\nid: b\n';
    expect(parsePlaybookText(dup, 'dup.yml').problems.map(format)).toEqual([
      'dup.yml:3: YAML: Map keys must be unique',
    ]);
    // YAML 1.2 core schema in both: a date stays a string, `yes` stays a string.
    const raw = parsePlaybookText('id: x\ndescription: 2024-01-01\naliases: [yes]\n', 'v.yml');
    expect(raw.problems.map(format).join('\n')).not.toMatch(/description|aliases/);
  });

  it('report an alias used by two files at the second use', async () => {
    const { playbooks, problems } = await loadPlaybookDir('test/fixtures/playbooks/duplicate-alias', root);
    expect(playbooks.map((p) => p.id)).toEqual(['first', 'second']);
    expect(problems.map(format)).toEqual([
      'test/fixtures/playbooks/duplicate-alias/second.yml:5: name "shared" is already used by playbook first (test/fixtures/playbooks/duplicate-alias/first.yml)',
    ]);
  });

  it('point an unknown field at its own line, not at the object holding it', () => {
    const text = [
      'id: typo',
      'title: Typo',
      'target: { namespace: demo }',
      'checks:',
      '  - id: latency',
      '    kind: prometheus.query',
      '    title: Latency',
      '    params: { query: up }',
      '    threshold: { warn: 1 }',
    ].join('\n');
    const { playbook, problems } = parsePlaybookText(text, 'typo.yml');
    expect(playbook).toBeUndefined();
    expect(problems.map(format)).toEqual(['typo.yml:9: checks.0: Unrecognized key: "threshold"']);
  });
});
