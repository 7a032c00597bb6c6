// prometheus.range: a range query whose series become the chart. Each series is reduced over
// time (last, max, min, avg), then the worst series gives the value: the highest one, or the
// lowest for `min`. Aggregate in PromQL (sum, max by …) when another combination is meant.
import type { CheckDefinition, Series } from '../../diagnostics/types.js';
import { parseDuration } from '../../duration.js';
import { InvalidInputError } from '../../errors.js';
import { formatNumber, formatSeriesName, labelRow } from './format.js';
import type { PrometheusPort } from './port.js';
import { substituteNamespace } from './promql.js';
import { TOP_ROWS } from './query-check.js';
import { reduceValues, worstFirst } from './reduce.js';

/** Prometheus refuses range queries of more than 11,000 points per series. */
export const MAX_POINTS = 11_000;

export const prometheusRangeCheck: CheckDefinition<'prometheus.range', PrometheusPort> = {
  kind: 'prometheus.range',
  backend: 'prometheus',
  async run(ctx, port) {
    const { query, range, step, reduce } = ctx.params;
    const rangeMs = parseDuration(range) ?? 0;
    const stepMs = parseDuration(step) ?? 0;
    if (rangeMs <= 0) throw new InvalidInputError('range', `range must be positive, got ${range}`);
    if (stepMs <= 0) throw new InvalidInputError('step', `step must be positive, got ${step}`);
    if (rangeMs / stepMs > MAX_POINTS) {
      throw new InvalidInputError(
        'step',
        `${range} at ${step} steps exceeds ${MAX_POINTS} points: use a larger step`,
      );
    }
    const promql = substituteNamespace(query, ctx.namespace);
    const end = ctx.now();
    const start = new Date(end.getTime() - rangeMs);
    const raw = await port.queryRange(
      promql,
      { start, end, stepSeconds: stepMs / 1000 },
      { signal: ctx.signal },
    );

    const reduced = raw
      .map((s) => {
        const points = s.points.filter((p) => !Number.isNaN(p.v));
        const value = reduceValues(
          points.map((p) => p.v),
          reduce,
        );
        return { labels: s.labels, points, value };
      })
      .filter((s): s is typeof s & { value: number } => s.value !== undefined);
    if (reduced.length === 0) {
      return { summary: 'no data', evidence: { counts: { series: raw.length } } };
    }
    const order = worstFirst(reduce === 'min' ? 'min' : 'max');
    reduced.sort((a, b) => order(a.value, b.value));
    const worst = reduced[0] as (typeof reduced)[number];
    const series: Series[] = reduced.slice(0, TOP_ROWS).map((s) => ({
      name: formatSeriesName(s.labels),
      labels: s.labels,
      points: s.points,
    }));
    const where =
      reduced.length > 1 ? `, worst of ${reduced.length} series ${formatSeriesName(worst.labels)}` : '';
    return {
      value: worst.value,
      summary: `${reduce} over ${range}: ${formatNumber(worst.value)}${where}`,
      evidence: {
        series,
        rows: reduced.slice(0, TOP_ROWS).map((s) => labelRow(s.labels, s.value)),
        counts: { series: raw.length },
      },
    };
  },
};
