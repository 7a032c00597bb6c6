import { describe, expect, it } from 'vitest';
import { runDiagnosis } from '../../src/diagnostics/engine.js';
import type { CheckResult, Measurement } from '../../src/diagnostics/types.js';
import { InvalidInputError } from '../../src/errors.js';
import type { AnyCheckDefinition } from '../../src/integrations/registry.js';
import { silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics.js';
import type { CheckKind } from '../../src/playbooks/kinds.js';
import { Playbook } from '../../src/playbooks/schema.js';

type Run = (
  params: Record<string, unknown>,
  ctx: { namespace: string; signal: AbortSignal },
) => Promise<Measurement>;

/** A prometheus.query implementation whose behaviour each test chooses by the query text. */
function promChecks(run: Run): Partial<Record<CheckKind, AnyCheckDefinition>> {
  return {
    'prometheus.query': {
      kind: 'prometheus.query',
      backend: 'prometheus',
      run: (ctx, _port) => run(ctx.params, ctx),
    },
  };
}

function playbook(checks: Record<string, unknown>[], extra: Record<string, unknown> = {}) {
  return Playbook.parse({
    id: 'test',
    title: 'Test',
    target: { namespace: 'pipeline' },
    checks,
    ...extra,
  });
}

const check = (id: string, query: string, more: Record<string, unknown> = {}) => ({
  id,
  kind: 'prometheus.query',
  title: id.replaceAll('-', ' '),
  params: { query },
  ...more,
});

const backends = { prometheus: {} };
const byId = (results: CheckResult[]) => Object.fromEntries(results.map((r) => [r.checkId, r]));

describe('runDiagnosis', () => {
  it('holds values against above and below thresholds and writes the summary', async () => {
    const values: Record<string, number> = { p95: 0.42, p99: 0.7, ok: 0.05, hit: 0.85, hitlow: 0.5 };
    const run = await runDiagnosis({
      playbook: playbook([
        check('p95-latency', 'p95', { unit: 's', thresholds: { warn: 0.1, critical: 0.5 } }),
        check('p99-latency', 'p99', { unit: 's', thresholds: { warn: 0.1, critical: 0.5 } }),
        check('fast', 'ok', { unit: 's', thresholds: { warn: 0.1, critical: 0.5 } }),
        check('hit-rate', 'hit', {
          unit: 'ratio',
          thresholds: { direction: 'below', warn: 0.9, critical: 0.6 },
        }),
        check('hit-low', 'hitlow', {
          unit: 'ratio',
          thresholds: { direction: 'below', warn: 0.9, critical: 0.6 },
        }),
        check('no-thresholds', 'ok'),
      ]),
      backends,
      checks: promChecks(async (p) => ({ value: values[String(p.query)] })),
      log: silentLogger,
    });
    const r = byId(run.checks);
    expect(r['p95-latency']?.status).toBe('warn');
    expect(r['p95-latency']?.summary).toBe('p95 latency 420 ms (warn > 100 ms, critical > 500 ms)');
    expect(r['p95-latency']?.value).toBe(0.42);
    expect(r['p95-latency']?.unit).toBe('s');
    expect(r['p99-latency']?.status).toBe('critical');
    expect(r.fast?.status).toBe('ok');
    expect(r['hit-rate']?.status).toBe('warn');
    expect(r['hit-rate']?.summary).toBe('hit rate 85% (warn < 90%, critical < 60%)');
    expect(r['hit-low']?.status).toBe('critical');
    expect(r['no-thresholds']?.status).toBe('ok');
    expect(run.checks.map((c) => c.checkId)).toEqual([
      'p95-latency',
      'p99-latency',
      'fast',
      'hit-rate',
      'hit-low',
      'no-thresholds',
    ]);
  });

  it('reports unknown without a value, and lets a measured status override the thresholds', async () => {
    const run = await runDiagnosis({
      playbook: playbook([
        check('empty', 'none', { thresholds: { warn: 1 } }),
        check('oom', 'oom', { unit: 'count', thresholds: { warn: 5 } }),
        check('nan', 'nan', { thresholds: { warn: 1 } }),
      ]),
      backends,
      checks: promChecks(async (p) => {
        if (p.query === 'oom') return { value: 1, status: 'critical', summary: 'OOMKilled: worker-1' };
        if (p.query === 'nan') return { value: Number.NaN };
        return { summary: 'query returned no series' };
      }),
      log: silentLogger,
    });
    const r = byId(run.checks);
    expect(r.empty?.status).toBe('unknown');
    expect(r.empty?.summary).toBe('empty: query returned no series');
    expect(r.oom?.status).toBe('critical');
    expect(r.oom?.detail).toBe('OOMKilled: worker-1');
    expect(r.oom?.summary).toBe('oom 1 (warn > 5) — OOMKilled: worker-1');
    expect(r.nan?.status).toBe('unknown');
    expect(r.nan?.value).toBeUndefined();
  });

  it('skips a check whose back end is not configured, naming the variable to set', async () => {
    let called = false;
    const run = await runDiagnosis({
      playbook: playbook([check('latency', 'x')]),
      backends: {},
      checks: promChecks(async () => {
        called = true;
        return { value: 1 };
      }),
      log: silentLogger,
    });
    expect(called).toBe(false);
    expect(run.checks[0]?.status).toBe('skipped');
    expect(run.checks[0]?.summary).toBe('skipped: set PROMETHEUS_URL');
  });

  it('skips a check whose kind has no implementation', async () => {
    const run = await runDiagnosis({
      playbook: playbook([check('latency', 'x')]),
      backends,
      checks: {},
      log: silentLogger,
    });
    expect(run.checks[0]?.status).toBe('skipped');
    expect(run.checks[0]?.summary).toBe('skipped: no implementation of prometheus.query registered');
  });

  it('turns a throwing check into an error with secrets redacted, without failing the others', async () => {
    const run = await runDiagnosis({
      playbook: playbook([check('bad', 'throw'), check('sync', 'sync-throw'), check('good', 'good')]),
      backends,
      checks: promChecks((p) => {
        if (p.query === 'sync-throw') throw new Error('boom');
        if (p.query === 'throw')
          return Promise.reject(new Error('GET http://prom/api?token=hunter2 failed: 401\nbody: secret'));
        return Promise.resolve({ value: 3 });
      }),
      log: silentLogger,
    });
    const r = byId(run.checks);
    expect(r.bad?.status).toBe('error');
    expect(r.bad?.summary).toBe('error: GET http://prom/api?token=[redacted] failed: 401');
    expect(r.sync?.summary).toBe('error: boom');
    expect(r.good?.status).toBe('ok');
  });

  it('rejects params that do not match the kind schema as an error of that check', async () => {
    const run = await runDiagnosis({
      playbook: playbook([{ id: 'bad-params', kind: 'prometheus.query', title: 'x', params: {} }]),
      backends,
      checks: promChecks(async () => ({ value: 1 })),
      log: silentLogger,
    });
    expect(run.checks[0]?.status).toBe('error');
    expect(run.checks[0]?.summary).toMatch(/^error: invalid params: query /);
  });

  it('applies the kind schema defaults to params before calling the check', async () => {
    let seen: Record<string, unknown> = {};
    await runDiagnosis({
      playbook: playbook([check('q', 'up')]),
      backends,
      checks: promChecks(async (p) => {
        seen = p;
        return { value: 1 };
      }),
      log: silentLogger,
    });
    expect(seen).toEqual({ query: 'up', reduce: 'max' });
  });

  it('runs checks concurrently', async () => {
    // Each check waits until every check has started: sequential execution would never finish
    // (the per-check timeout would turn them into errors instead).
    const started = new Set<string>();
    let release: () => void = () => {};
    const allStarted = new Promise<void>((r) => {
      release = r;
    });
    const ids = ['a', 'b', 'c', 'd'];
    const run = await runDiagnosis({
      playbook: playbook(ids.map((id) => check(id, id, { timeout: '5s' }))),
      backends,
      checks: promChecks(async (p) => {
        started.add(String(p.query));
        if (started.size === ids.length) release();
        await allStarted;
        return { value: 1 };
      }),
      log: silentLogger,
    });
    expect(run.checks.map((c) => c.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
  });

  it('times out a hanging check at its own timeout, aborts its signal, and keeps the others', async () => {
    let hungSignal: AbortSignal | undefined;
    const run = await runDiagnosis({
      playbook: playbook([check('hang', 'hang', { timeout: '30ms' }), check('quick', 'quick')]),
      backends,
      checks: promChecks((p, ctx) => {
        if (p.query === 'quick') return Promise.resolve({ value: 1 });
        hungSignal = ctx.signal;
        return new Promise(() => {}); // ignores its signal, like a badly behaved SDK
      }),
      log: silentLogger,
    });
    const r = byId(run.checks);
    expect(r.hang?.status).toBe('error');
    expect(r.hang?.summary).toBe('error: timed out after 30ms');
    expect(hungSignal?.aborted).toBe(true);
    expect(r.quick?.status).toBe('ok');
  });

  it('returns at the run deadline, reporting checks still running as timed out', async () => {
    const run = await runDiagnosis({
      playbook: playbook([check('slow', 'slow', { timeout: '1h' }), check('quick', 'quick')]),
      backends,
      checks: promChecks((p) =>
        p.query === 'quick' ? Promise.resolve({ value: 1 }) : new Promise(() => {}),
      ),
      log: silentLogger,
      deadlineMs: 40,
    });
    const r = byId(run.checks);
    expect(r.slow?.status).toBe('error');
    expect(r.slow?.summary).toBe('error: timed out (diagnosis deadline 40ms)');
    expect(r.quick?.status).toBe('ok');
  });

  it('stops when the caller cancels', async () => {
    const controller = new AbortController();
    const promise = runDiagnosis({
      playbook: playbook([check('slow', 'slow')]),
      backends,
      checks: promChecks(() => {
        controller.abort();
        return new Promise(() => {});
      }),
      log: silentLogger,
      signal: controller.signal,
    });
    const run = await promise;
    expect(run.checks[0]?.summary).toBe('error: cancelled');
  });

  it('uses the explicit namespace, else the playbook target, and validates it', async () => {
    const seen: string[] = [];
    const checks = promChecks(async (_p, ctx) => {
      seen.push(ctx.namespace);
      return { value: 1 };
    });
    const pb = playbook([check('q', 'up')], { namespaces: ['pipeline', 'staging'] });
    const a = await runDiagnosis({ playbook: pb, backends, checks, log: silentLogger });
    const b = await runDiagnosis({ playbook: pb, namespace: 'staging', backends, checks, log: silentLogger });
    expect(seen).toEqual(['pipeline', 'staging']);
    expect([a.namespace, b.namespace]).toEqual(['pipeline', 'staging']);
    for (const bad of ['Prod', 'a;b', 'x'.repeat(64), '-x', '']) {
      const attempt = runDiagnosis({ playbook: pb, namespace: bad, backends, checks, log: silentLogger });
      await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
      await expect(attempt).rejects.toMatchObject({ field: 'namespace' });
    }
    expect(seen).toHaveLength(2);
  });

  it("refuses a namespace outside the playbook's namespaces before any check runs", async () => {
    const seen: string[] = [];
    const checks = promChecks(async (_p, ctx) => {
      seen.push(ctx.namespace);
      return { value: 1 };
    });
    const attempt = runDiagnosis({
      playbook: playbook([check('q', 'up')]),
      namespace: 'kube-system',
      backends,
      checks,
      log: silentLogger,
    });
    await expect(attempt).rejects.toMatchObject({
      field: 'namespace',
      message: expect.stringContaining(
        `namespace "kube-system" is outside playbook test's namespaces (pipeline)`,
      ),
    });
    expect(seen).toEqual([]);
  });

  it('reports progress after each check and counts metrics', async () => {
    const progress: [string, number, number][] = [];
    const metrics = createMetrics({ defaultMetrics: false });
    await runDiagnosis({
      playbook: playbook([
        check('a', 'a', { thresholds: { warn: 0 } }),
        check('b', 'b'),
        { id: 'k', kind: 'kafka.topic', title: 'k', params: { topic: 't', measure: 'partitions' } },
      ]),
      backends,
      checks: promChecks(async () => ({ value: 1 })),
      log: silentLogger,
      onProgress: (r, done, total) => progress.push([r.checkId, done, total]),
      metrics,
    });
    expect(progress.map(([, done, total]) => [done, total])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    expect(progress.map(([id]) => id).sort()).toEqual(['a', 'b', 'k']);
    const text = await metrics.registry.metrics();
    expect(text).toContain('perfbot_checks_total{kind="prometheus.query",status="warn"} 1');
    expect(text).toContain('perfbot_checks_total{kind="prometheus.query",status="ok"} 1');
    expect(text).toContain('perfbot_checks_total{kind="kafka.topic",status="skipped"} 1');
    expect(text).toContain('perfbot_check_duration_seconds_count{kind="prometheus.query"} 2');
  });

  it('survives a progress callback that throws', async () => {
    const run = await runDiagnosis({
      playbook: playbook([check('a', 'a')]),
      backends,
      checks: promChecks(async () => ({ value: 1 })),
      log: silentLogger,
      onProgress: () => {
        throw new Error('chat is down');
      },
    });
    expect(run.checks[0]?.status).toBe('ok');
  });

  it('names the bottleneck with the decision tree and stamps the run with the injected clock', async () => {
    const times = [new Date('2025-01-01T00:00:00Z'), new Date('2025-01-01T00:00:02Z')];
    const run = await runDiagnosis({
      playbook: playbook([check('lag', 'lag', { unit: 'messages', thresholds: { warn: 1000 } })], {
        decision: [{ id: 'kafka', when: { check: 'lag' }, bottleneck: 'Kafka consumer lag' }],
      }),
      backends,
      checks: promChecks(async () => ({ value: 5000 })),
      log: silentLogger,
      now: () => times.shift() ?? new Date(0),
    });
    expect(run.diagnosis.bottlenecks.map((b) => b.name)).toEqual(['Kafka consumer lag']);
    expect(run.startedAt.toISOString()).toBe('2025-01-01T00:00:00.000Z');
    expect(run.finishedAt.toISOString()).toBe('2025-01-01T00:00:02.000Z');
    expect(run.playbookId).toBe('test');
  });
});
