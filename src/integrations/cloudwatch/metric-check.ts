// cloudwatch.metric: GetMetricData over a window, reduced to one value by the statistic.
//
// No datapoints: CloudWatch publishes nothing for a period in which nothing was recorded, so
// for Sum and SampleCount an empty window of a metric that exists means 0 (no 5xx errors is the
// good case, not an unknown). The metric must exist, though: a typo, a wrong dimension or S3
// request metrics that were never enabled also give an empty window, and reporting 0 there
// would clear S3 as a suspect on no evidence. So an empty Sum/SampleCount window is checked with
// ListMetrics (exact dimension set); only a metric CloudWatch knows counts as 0. Average,
// Maximum and Minimum of nothing are undefined: no value, the engine reports unknown.
import type { CheckDefinition, Measurement, SeriesPoint } from '../../diagnostics/types.js';
import { formatDuration, parseDuration } from '../../duration.js';
import { InvalidInputError, UpstreamError } from '../../errors.js';
import type { CloudWatchPort, MetricId, MetricStatQuery } from './port.js';

/** Guards against a service that keeps handing out NextTokens. */
const MAX_PAGES = 50;

export const metricCheck: CheckDefinition<'cloudwatch.metric', CloudWatchPort> = {
  kind: 'cloudwatch.metric',
  backend: 'cloudwatch',
  async run(ctx, port): Promise<Measurement> {
    const p = ctx.params;
    const query: MetricStatQuery = {
      namespace: p.namespace,
      metricName: p.metric,
      dimensions: p.dimensions,
      period: p.period,
      stat: p.statistic,
    };
    validate(query);
    const windowMs = parseDuration(p.window);
    if (windowMs === undefined || windowMs <= 0)
      throw new InvalidInputError('window', 'window: expected a duration');
    const endTime = ctx.now();
    const startTime = new Date(endTime.getTime() - windowMs);

    const points: SeriesPoint[] = [];
    const messages: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await port.getMetricData(
        { query, startTime, endTime, ...(nextToken ? { nextToken } : {}) },
        { signal: ctx.signal },
      );
      if (page.statusCode === 'Forbidden' || page.statusCode === 'InternalError') {
        throw new UpstreamError(
          'cloudwatch',
          `GetMetricData ${page.statusCode}: ${page.messages.join('; ')}`,
          {
            retryable: page.statusCode === 'InternalError',
          },
        );
      }
      page.timestamps.forEach((t, i) => {
        const v = page.values[i];
        if (v !== undefined && Number.isFinite(v)) points.push({ t: t.getTime(), v });
      });
      messages.push(...page.messages);
      nextToken = page.nextToken;
      pages += 1;
    } while (nextToken && pages < MAX_PAGES);

    // AWS answers newest first; charts and people read oldest first.
    points.sort((a, b) => a.t - b.t);
    const label = describe(query, p.window);
    const note = messages.length > 0 ? ` (${[...new Set(messages)].join('; ')})` : '';
    const series = [
      { name: `${query.namespace} ${query.metricName} ${query.stat}`, labels: query.dimensions, points },
    ];

    if (points.length === 0) {
      const counts = query.stat === 'Sum' || query.stat === 'SampleCount';
      if (counts && (await exists(port, query, ctx.signal))) {
        return {
          value: 0,
          summary: `${label}: 0 (no datapoints: CloudWatch omits periods with nothing recorded)${note}`,
          evidence: { series, counts: { datapoints: 0 } },
        };
      }
      const why = counts
        ? ' and CloudWatch lists no such metric (check the name, dimensions, and that the metric is enabled)'
        : '';
      return { summary: `${label}: no datapoints${why}${note}`, evidence: { counts: { datapoints: 0 } } };
    }

    const value = reduce(query.stat, points);
    const peak = points.reduce((a, b) => (b.v > a.v ? b : a));
    return {
      value,
      summary: `${label}: ${round(value)} (${points.length} datapoints of ${query.period}s; highest ${round(peak.v)} at ${new Date(peak.t).toISOString()})${note}`,
      evidence: { series, counts: { datapoints: points.length } },
    };
  },
};

/** Sum/SampleCount add up over the window; Average is the mean of the period averages. */
export function reduce(stat: string, points: readonly SeriesPoint[]): number {
  const values = points.map((p) => p.v);
  switch (stat) {
    case 'Maximum':
      return Math.max(...values);
    case 'Minimum':
      return Math.min(...values);
    case 'Average':
      return values.reduce((a, b) => a + b, 0) / values.length;
    default:
      return values.reduce((a, b) => a + b, 0);
  }
}

async function exists(port: CloudWatchPort, metric: MetricId, signal: AbortSignal): Promise<boolean> {
  const want = Object.entries(metric.dimensions).sort();
  const found = await port.listMetrics(metric, { signal });
  return found.some((m) => {
    const have = Object.entries(m.dimensions).sort();
    return (
      m.namespace === metric.namespace &&
      m.metricName === metric.metricName &&
      have.length === want.length &&
      have.every(([k, v], i) => want[i]?.[0] === k && want[i]?.[1] === v)
    );
  });
}

/** CloudWatch's own limits, checked here so a bad playbook fails with the field it got wrong. */
function validate(q: MetricStatQuery): void {
  if (q.namespace.length > 255 || q.namespace.startsWith(':')) {
    throw new InvalidInputError('namespace', 'namespace: 1-255 characters, not starting with ":"');
  }
  if (q.metricName.length > 255) throw new InvalidInputError('metric', 'metric: at most 255 characters');
  const dims = Object.entries(q.dimensions);
  if (dims.length > 30) throw new InvalidInputError('dimensions', 'dimensions: at most 30');
  for (const [k, v] of dims) {
    if (k.length < 1 || k.length > 255 || v.length < 1 || v.length > 1024) {
      throw new InvalidInputError('dimensions', `dimensions.${k}: name 1-255 and value 1-1024 characters`);
    }
  }
  if (![1, 5, 10, 20, 30].includes(q.period) && q.period % 60 !== 0) {
    throw new InvalidInputError('period', 'period: 1, 5, 10, 20, 30 or a multiple of 60 seconds');
  }
}

function describe(q: MetricStatQuery, window: string): string {
  const dims = Object.entries(q.dimensions)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const windowText = formatDuration(parseDuration(window) ?? 0);
  return `${q.stat} of ${q.namespace} ${q.metricName}${dims ? ` {${dims}}` : ''} over ${windowText}`;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
