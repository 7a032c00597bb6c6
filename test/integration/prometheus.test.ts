// prometheus.query and prometheus.range against a real Prometheus scraping the test exporter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckContext } from '../../src/diagnostics/types.js';
import { ErrorCode, PerfbotError } from '../../src/errors.js';
import {
  createPrometheusClient,
  type PrometheusPort,
  prometheusChecks,
} from '../../src/integrations/prometheus/index.js';
import type { AnyCheckDefinition } from '../../src/integrations/registry.js';
import { silentLogger } from '../../src/log.js';
import { CHECK_PARAMS, type CheckKind } from '../../src/playbooks/kinds.js';
import { loadPlaybookDir } from '../../src/playbooks/loader.js';
import { startExporter, type TestExporter } from '../support/exporter.js';
import { skipWithout, startPrometheus, type TestServer, waitForTargetsUp } from '../support/servers.js';

function ctx<K extends CheckKind>(kind: K, params: unknown, namespace = 'data-processing'): CheckContext<K> {
  return {
    params: CHECK_PARAMS[kind].parse(params) as CheckContext<K>['params'],
    namespace,
    target: { namespace, selector: {}, workloads: [] },
    signal: AbortSignal.timeout(10_000),
    now: () => new Date(),
    log: silentLogger,
  };
}

const HOSTILE = 'we"ird\\ns\nx';

describe.skipIf(skipWithout('prometheus'))('prometheus checks against a real Prometheus', () => {
  let exporter: TestExporter;
  let prom: TestServer;
  let port: PrometheusPort;

  /** Polls until the instant query answers `expected` (the next scrape has landed). */
  async function waitForValue(promql: string, expected: number): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const r = await port.query(promql, { signal: AbortSignal.timeout(5000) });
      if (r.type === 'vector' && r.samples[0]?.v === expected) return;
      await new Promise((res) => setTimeout(res, 200));
    }
    throw new Error(`${promql} never reached ${expected}`);
  }

  beforeAll(async () => {
    exporter = await startExporter();
    for (const [pod, v] of [
      ['normalization-1', 0.42],
      ['normalization-2', 0.91],
      ['enrichment-1', 0.3],
    ] as const) {
      exporter.set('perfbot_cpu_ratio', { namespace: 'data-processing', pod }, v);
    }
    exporter.set('perfbot_cpu_ratio', { namespace: 'other', pod: 'x' }, 7);
    exporter.set('perfbot_hostile_value', { namespace: HOSTILE }, 13);
    exporter.set('perfbot_nan', { namespace: 'data-processing' }, Number.NaN);
    exporter.set('perfbot_changing', { namespace: 'data-processing' }, 5);
    exporter.setHistogram(
      'request_duration_seconds',
      { namespace: 'data-processing' },
      {
        buckets: [
          [0.05, 50],
          [0.1, 90],
          [0.25, 100],
        ],
        sum: 9,
        count: 100,
      },
    );
    prom = await startPrometheus({ scrapeTargets: [{ target: exporter.target, job: 'pipeline' }] });
    port = createPrometheusClient({ baseUrl: prom.url });
    await waitForTargetsUp(prom.url);
    await waitForValue('perfbot_changing', 5);
  });

  afterAll(async () => {
    await prom?.stop();
    await exporter?.close();
  });

  it('reduces an instant vector to its max and lists the worst series first', async () => {
    const m = await prometheusChecks['prometheus.query'].run(
      ctx('prometheus.query', { query: 'perfbot_cpu_ratio{namespace="$namespace"}' }),
      port,
    );
    expect(m.value).toBe(0.91);
    expect(m.summary).toContain('normalization-2');
    expect(m.evidence?.counts).toEqual({ series: 3 });
    expect(m.evidence?.rows?.map((r) => [r.pod, r.value])).toEqual([
      ['normalization-2', 0.91],
      ['normalization-1', 0.42],
      ['enrichment-1', 0.3],
    ]);
    expect(m.evidence?.rows?.[0]).toMatchObject({ metric: 'perfbot_cpu_ratio', job: 'pipeline' });
  });

  it('applies min, sum and avg reducers', async () => {
    const q = { query: 'perfbot_cpu_ratio{namespace="$namespace"}' };
    const run = (reduce: string) =>
      prometheusChecks['prometheus.query'].run(ctx('prometheus.query', { ...q, reduce }), port);
    expect((await run('min')).value).toBe(0.3);
    expect((await run('min')).evidence?.rows?.[0]?.pod).toBe('enrichment-1');
    expect((await run('sum')).value).toBeCloseTo(1.63, 10);
    expect((await run('avg')).value).toBeCloseTo(1.63 / 3, 10);
  });

  it('computes a histogram quantile from scraped buckets', async () => {
    const m = await prometheusChecks['prometheus.query'].run(
      ctx('prometheus.query', {
        query:
          'histogram_quantile(0.95, sum by (le) (request_duration_seconds_bucket{namespace="$namespace"}))',
      }),
      port,
    );
    // rank 95 of 100 falls in (0.1, 0.25] holding ranks 91..100: 0.1 + 0.15 * 5/10
    expect(m.value).toBeCloseTo(0.175, 10);
  });

  it('takes a scalar result as the value', async () => {
    const m = await prometheusChecks['prometheus.query'].run(
      ctx('prometheus.query', { query: 'scalar(vector(2.5))' }),
      port,
    );
    expect(m.value).toBe(2.5);
  });

  it('reports "no data" for an empty vector and for NaN samples', async () => {
    const empty = await prometheusChecks['prometheus.query'].run(
      ctx('prometheus.query', { query: 'perfbot_cpu_ratio{namespace="nowhere"}' }),
      port,
    );
    expect(empty.value).toBeUndefined();
    expect(empty.summary).toBe('no data');
    const nan = await prometheusChecks['prometheus.query'].run(
      ctx('prometheus.query', { query: 'perfbot_nan{namespace="$namespace"}' }),
      port,
    );
    expect(nan.value).toBeUndefined();
    expect(nan.summary).toMatch(/^no data/);
  });

  it('escapes a hostile namespace: it matches its own label value and cannot inject PromQL', async () => {
    const exact = await prometheusChecks['prometheus.query'].run(
      ctx('prometheus.query', { query: 'perfbot_hostile_value{namespace="$namespace"}' }, HOSTILE),
      port,
    );
    expect(exact.value).toBe(13);
    const injection = 'x"} or vector(666) or perfbot_cpu_ratio{namespace="';
    const injected = await prometheusChecks['prometheus.query'].run(
      ctx('prometheus.query', { query: 'sum(perfbot_cpu_ratio{namespace="$namespace"})' }, injection),
      port,
    );
    expect(injected.summary).toBe('no data');
    const regex = await prometheusChecks['prometheus.query'].run(
      ctx('prometheus.query', { query: 'perfbot_cpu_ratio{namespace=~"$namespace"}' }, '.*'),
      port,
    );
    expect(regex.summary).toBe('no data');
  });

  it('rejects a query that yields a range vector, and a bad query, as not retryable', async () => {
    const run = (query: string) =>
      prometheusChecks['prometheus.query'].run(ctx('prometheus.query', { query }), port);
    await expect(run('perfbot_cpu_ratio[5m]')).rejects.toMatchObject({ code: ErrorCode.InvalidInput });
    const bad = await run('sum(').catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(PerfbotError);
    expect(bad).toMatchObject({ code: ErrorCode.Upstream, retryable: false });
    expect((bad as Error).message).toContain('bad_data');
  });

  it('turns a range query into chart series and reduces them', async () => {
    exporter.set('perfbot_changing', { namespace: 'data-processing' }, 7);
    await waitForValue('perfbot_changing', 7);
    const params = { query: 'perfbot_changing{namespace="$namespace"}', range: '2m', step: '1s' };
    const last = await prometheusChecks['prometheus.range'].run(ctx('prometheus.range', params), port);
    expect(last.value).toBe(7);
    expect(last.evidence?.series).toHaveLength(1);
    const points = last.evidence?.series?.[0]?.points ?? [];
    expect(points.length).toBeGreaterThan(1);
    expect(new Set(points.map((p) => p.v))).toEqual(new Set([5, 7]));
    expect(points.every((p, i) => i === 0 || p.t - (points[i - 1]?.t ?? 0) === 1000)).toBe(true);
    const min = await prometheusChecks['prometheus.range'].run(
      ctx('prometheus.range', { ...params, reduce: 'min' }),
      port,
    );
    expect(min.value).toBe(5);
    const max = await prometheusChecks['prometheus.range'].run(
      ctx('prometheus.range', { ...params, reduce: 'max' }),
      port,
    );
    expect(max.value).toBe(7);
  });

  it('picks the worst of several range series', async () => {
    const m = await prometheusChecks['prometheus.range'].run(
      ctx('prometheus.range', {
        query: 'perfbot_cpu_ratio{namespace="$namespace"}',
        range: '1m',
        step: '5s',
      }),
      port,
    );
    expect(m.value).toBe(0.91);
    expect(m.evidence?.series?.map((s) => s.labels?.pod)).toEqual([
      'normalization-2',
      'normalization-1',
      'enrichment-1',
    ]);
    expect(m.evidence?.series?.[0]?.name).toContain('pod="normalization-2"');
  });

  it('reports "no data" for an empty range result', async () => {
    const m = await prometheusChecks['prometheus.range'].run(
      ctx('prometheus.range', { query: 'perfbot_cpu_ratio{namespace="nowhere"}', range: '1m' }),
      port,
    );
    expect(m.value).toBeUndefined();
    expect(m.summary).toBe('no data');
  });

  it('runs every prometheus check of the shipped playbooks without a query error', async () => {
    const { playbooks, problems } = await loadPlaybookDir('playbooks');
    expect(problems).toEqual([]);
    const checks = playbooks.flatMap((pb) =>
      pb.checks.filter((c) => c.kind === 'prometheus.query' || c.kind === 'prometheus.range'),
    );
    expect(checks.length).toBeGreaterThan(0);
    const failures: string[] = [];
    for (const c of checks) {
      const kind = c.kind as 'prometheus.query' | 'prometheus.range';
      // a hostile namespace proves every placeholder sits where escaping is possible
      // The map is indexed by a union kind; each entry takes its own params, so erase to the registry type.
      await (prometheusChecks[kind] as AnyCheckDefinition)
        .run(ctx(kind, c.params, HOSTILE), port)
        .catch((e: unknown) => failures.push(`${c.id}: ${(e as Error).message}`));
    }
    expect(failures).toEqual([]);
  });

  it('gives up when the context signal aborts', async () => {
    const c = ctx('prometheus.query', { query: 'perfbot_cpu_ratio' });
    const controller = new AbortController();
    controller.abort();
    await expect(
      prometheusChecks['prometheus.query'].run({ ...c, signal: controller.signal }, port),
    ).rejects.toMatchObject({
      code: ErrorCode.Timeout,
    });
  });
});
