// The Prometheus checks' reading of port answers, with a hand-written fake port.
import { describe, expect, it } from 'vitest';
import type { CheckContext } from '../../src/diagnostics/types.js';
import { ErrorCode } from '../../src/errors.js';
import { prometheusChecks } from '../../src/integrations/prometheus/index.js';
import type {
  InstantResult,
  PrometheusPort,
  PromSeries,
  RangeRequest,
} from '../../src/integrations/prometheus/port.js';
import { silentLogger } from '../../src/log.js';
import { CHECK_PARAMS, type CheckKind } from '../../src/playbooks/kinds.js';

class FakePrometheusPort implements PrometheusPort {
  queries: string[] = [];
  ranges: RangeRequest[] = [];
  constructor(
    private instant: InstantResult = { type: 'vector', samples: [] },
    private matrix: PromSeries[] = [],
  ) {}
  async query(promql: string) {
    this.queries.push(promql);
    return this.instant;
  }
  async queryRange(promql: string, range: RangeRequest) {
    this.queries.push(promql);
    this.ranges.push(range);
    return this.matrix;
  }
}

const NOW = new Date('2024-05-01T12:00:00Z');
function ctx<K extends CheckKind>(kind: K, params: unknown, namespace = 'ns'): CheckContext<K> {
  return {
    params: CHECK_PARAMS[kind].parse(params) as CheckContext<K>['params'],
    namespace,
    target: { namespace, selector: {}, workloads: [] },
    signal: new AbortController().signal,
    now: () => NOW,
    log: silentLogger,
  };
}

describe('prometheus.query', () => {
  it('skips NaN samples when reducing and counts every series', async () => {
    const port = new FakePrometheusPort({
      type: 'vector',
      samples: [
        { labels: { pod: 'a' }, t: 0, v: Number.NaN },
        { labels: { pod: 'b' }, t: 0, v: 2 },
        { labels: { pod: 'c' }, t: 0, v: 4 },
      ],
    });
    const m = await prometheusChecks['prometheus.query'].run(
      ctx('prometheus.query', { query: 'x', reduce: 'avg' }),
      port,
    );
    expect(m.value).toBe(3);
    expect(m.evidence?.counts).toEqual({ series: 3 });
    expect(m.evidence?.rows?.map((r) => r.pod)).toEqual(['c', 'b']);
    expect(m.summary).toBe('avg over 2 series: 3');
  });

  it('keeps only the top 10 rows', async () => {
    const samples = Array.from({ length: 15 }, (_, i) => ({ labels: { i: String(i) }, t: 0, v: i }));
    const m = await prometheusChecks['prometheus.query'].run(
      ctx('prometheus.query', { query: 'x' }),
      new FakePrometheusPort({ type: 'vector', samples }),
    );
    expect(m.evidence?.rows).toHaveLength(10);
    expect(m.evidence?.rows?.[0]?.i).toBe('14');
    expect(m.summary).toBe('max over 15 series: 14, at {i="14"}');
  });

  it('substitutes the namespace before querying and refuses an unquoted placeholder', async () => {
    const port = new FakePrometheusPort();
    await prometheusChecks['prometheus.query'].run(
      ctx('prometheus.query', { query: 'up{ns="$namespace"}' }, 'a"b'),
      port,
    );
    expect(port.queries).toEqual(['up{ns="a\\"b"}']);
    await expect(
      prometheusChecks['prometheus.query'].run(ctx('prometheus.query', { query: 'up{ns=$namespace}' }), port),
    ).rejects.toMatchObject({ code: ErrorCode.InvalidInput, field: 'query' });
  });
});

describe('prometheus.range', () => {
  it('asks for the window ending now at the step, in seconds', async () => {
    const port = new FakePrometheusPort();
    const m = await prometheusChecks['prometheus.range'].run(
      ctx('prometheus.range', { query: 'x', range: '30m', step: '15s' }),
      port,
    );
    expect(port.ranges).toEqual([
      { start: new Date(NOW.getTime() - 30 * 60_000), end: NOW, stepSeconds: 15 },
    ]);
    expect(m.summary).toBe('no data');
  });

  it('refuses more points than Prometheus allows', async () => {
    await expect(
      prometheusChecks['prometheus.range'].run(
        ctx('prometheus.range', { query: 'x', range: '7d', step: '1s' }),
        new FakePrometheusPort(),
      ),
    ).rejects.toMatchObject({ code: ErrorCode.InvalidInput, field: 'step' });
  });

  it('drops NaN points from the chart and reduces each series', async () => {
    const port = new FakePrometheusPort(undefined, [
      {
        labels: { pod: 'a' },
        points: [
          { t: 1, v: 1 },
          { t: 2, v: Number.NaN },
          { t: 3, v: 3 },
        ],
      },
      {
        labels: { pod: 'b' },
        points: [
          { t: 1, v: 9 },
          { t: 2, v: 2 },
        ],
      },
      { labels: { pod: 'c' }, points: [{ t: 1, v: Number.NaN }] },
    ]);
    const avg = await prometheusChecks['prometheus.range'].run(
      ctx('prometheus.range', { query: 'x', reduce: 'avg' }),
      port,
    );
    expect(avg.value).toBe(5.5);
    expect(avg.evidence?.series?.map((s) => [s.name, s.points.length])).toEqual([
      ['{pod="b"}', 2],
      ['{pod="a"}', 2],
    ]);
    expect(avg.evidence?.counts).toEqual({ series: 3 });
    const last = await prometheusChecks['prometheus.range'].run(
      ctx('prometheus.range', { query: 'x' }),
      port,
    );
    expect(last.value).toBe(3);
    const min = await prometheusChecks['prometheus.range'].run(
      ctx('prometheus.range', { query: 'x', reduce: 'min' }),
      port,
    );
    expect(min.value).toBe(1);
    expect(min.evidence?.series?.[0]?.labels).toEqual({ pod: 'a' });
  });
});
