import { describe, expect, it } from 'vitest';
import { decide, evaluateCondition } from '../../src/diagnostics/decide.js';
import type { CheckResult, CheckStatus } from '../../src/diagnostics/types.js';
import { type Condition, Playbook } from '../../src/playbooks/schema.js';

const statuses = (s: Record<string, CheckStatus>) => new Map(Object.entries(s));

function results(s: Record<string, CheckStatus>): CheckResult[] {
  return Object.entries(s).map(([checkId, status]) => ({
    checkId,
    kind: 'prometheus.query',
    title: checkId,
    status,
    summary: `${checkId} is ${status}`,
    durationMs: 1,
  }));
}

describe('evaluateCondition', () => {
  it('treats a bare check condition as "bad": warn or critical', () => {
    const c: Condition = { check: 'a' };
    expect(evaluateCondition(c, statuses({ a: 'warn' })).holds).toBe(true);
    expect(evaluateCondition(c, statuses({ a: 'critical' })).holds).toBe(true);
    for (const s of ['ok', 'unknown', 'skipped', 'error'] as const)
      expect(evaluateCondition(c, statuses({ a: s })).holds).toBe(false);
  });

  it('matches an explicit status or any of a list', () => {
    expect(evaluateCondition({ check: 'a', status: 'critical' }, statuses({ a: 'warn' })).holds).toBe(false);
    expect(evaluateCondition({ check: 'a', status: 'critical' }, statuses({ a: 'critical' })).holds).toBe(
      true,
    );
    expect(
      evaluateCondition({ check: 'a', status: ['ok', 'skipped'] }, statuses({ a: 'skipped' })).holds,
    ).toBe(true);
    expect(evaluateCondition({ check: 'a', status: 'unknown' }, statuses({})).holds).toBe(true);
  });

  it('combines with all, any and not, collecting only positive evidence', () => {
    const s = statuses({ a: 'warn', b: 'ok', c: 'critical' });
    expect(evaluateCondition({ all: [{ check: 'a' }, { check: 'c' }] }, s)).toEqual({
      holds: true,
      evidence: ['a', 'c'],
    });
    expect(evaluateCondition({ all: [{ check: 'a' }, { check: 'b' }] }, s)).toEqual({
      holds: false,
      evidence: [],
    });
    expect(evaluateCondition({ any: [{ check: 'a' }, { check: 'b' }, { check: 'c' }] }, s)).toEqual({
      holds: true,
      evidence: ['a', 'c'],
    });
    expect(evaluateCondition({ not: { check: 'b' } }, s)).toEqual({ holds: true, evidence: [] });
    expect(evaluateCondition({ all: [{ check: 'a' }, { not: { check: 'b' } }] }, s)).toEqual({
      holds: true,
      evidence: ['a'],
    });
  });
});

const pb = Playbook.parse({
  id: 'demo',
  title: 'Demo',
  target: { namespace: 'demo' },
  checks: ['throughput', 's3-errors', 's3-logs', 'ingestion', 'cpu'].map((id) => ({
    id,
    kind: 'prometheus.query',
    title: id,
    params: { query: 'up' },
  })),
  remediations: [
    {
      id: 'scale',
      title: 'Scale out',
      action: 'kubernetes.scale',
      params: { workload: { kind: 'Deployment', name: 'x' }, by: 1, max: 5 },
    },
    {
      id: 'smaller-batches',
      title: 'Smaller batches',
      action: 'kubernetes.configmap.set',
      params: { configMap: 'c', key: 'config.yaml', path: 'batch_size', value: 500 },
    },
  ],
  advice: [
    { id: 'backoff', title: 'Back off', text: 'Use exponential backoff on S3.' },
    { id: 'workspace', title: 'Workspace', text: 'Check the Sentinel workspace.' },
  ],
  decision: [
    {
      id: 'slow',
      when: { check: 'throughput' },
      remediations: ['scale'],
      branches: [
        {
          id: 's3',
          when: { any: [{ check: 's3-errors' }, { check: 's3-logs' }] },
          bottleneck: 'S3 throttling',
          remediations: ['smaller-batches', 'scale'],
          advice: ['backoff'],
        },
        {
          id: 'sentinel',
          when: { check: 'ingestion', status: 'critical' },
          bottleneck: 'Sentinel ingestion',
          summary: 'The workspace ingests slowly.',
          advice: ['workspace', 'backoff'],
        },
      ],
    },
    { id: 'cpu', when: { check: 'cpu' }, bottleneck: 'CPU saturation', remediations: ['scale'] },
  ],
});

describe('decide', () => {
  it('names nothing when no condition holds', () => {
    expect(decide(pb, results({ throughput: 'ok', 's3-errors': 'critical' }))).toEqual({
      bottlenecks: [],
      remediations: [],
      advice: [],
    });
  });

  it('descends only into branches of a holding node', () => {
    const d = decide(pb, results({ throughput: 'warn', 's3-errors': 'critical', ingestion: 'ok' }));
    expect(d.bottlenecks.map((b) => b.name)).toEqual(['S3 throttling']);
    const s3 = d.bottlenecks[0];
    expect(s3?.id).toBe('s3');
    expect(s3?.evidenceChecks).toEqual(['s3-errors', 'throughput']);
    expect(s3?.summary).toBe('s3-errors is critical');
    expect(s3?.remediations.map((r) => r.id)).toEqual(['smaller-batches', 'scale']);
    expect(s3?.advice.map((a) => a.id)).toEqual(['backoff']);
  });

  it('evaluates all siblings, naming several bottlenecks, and dedupes remediations and advice in order', () => {
    const d = decide(
      pb,
      results({
        throughput: 'critical',
        's3-errors': 'warn',
        's3-logs': 'warn',
        ingestion: 'critical',
        cpu: 'warn',
      }),
    );
    expect(d.bottlenecks.map((b) => b.name)).toEqual([
      'S3 throttling',
      'Sentinel ingestion',
      'CPU saturation',
    ]);
    expect(d.bottlenecks[0]?.evidenceChecks).toEqual(['s3-errors', 's3-logs', 'throughput']);
    expect(d.bottlenecks[0]?.summary).toBe('s3-errors is warn; s3-logs is warn');
    expect(d.bottlenecks[1]?.summary).toBe('The workspace ingests slowly.');
    expect(d.bottlenecks[1]?.note).toBe('The workspace ingests slowly.');
    expect(d.bottlenecks[0]?.note).toBeUndefined();
    expect(d.remediations.map((r) => r.id)).toEqual(['scale', 'smaller-batches']);
    expect(d.advice.map((a) => a.id)).toEqual(['backoff', 'workspace']);
  });

  it('honours an explicit status: warn ingestion does not match a critical-only node', () => {
    const d = decide(pb, results({ throughput: 'warn', ingestion: 'warn' }));
    expect(d.bottlenecks).toEqual([]);
    expect(d.remediations.map((r) => r.id)).toEqual(['scale']);
  });
});
