// azure.metric: one Azure Monitor metric of one resource over the last `interval`, reduced by
// the aggregation (the runbook's `az monitor metrics list --metric "Ingestion Latency"`).
// A Measurement carries no unit, so the value must be in the unit the playbook states. Times
// are always given in seconds (Azure reports some latencies in MilliSeconds, others in Seconds,
// and a playbook cannot know which): write `unit: s` for time metrics. Other units are Azure's
// own (named in the summary): Count → count, Percent → percent, Bytes → bytes.
import type { CheckDefinition, Measurement, Series, SeriesPoint } from '../../diagnostics/types.js';
import { formatDuration, parseDuration } from '../../duration.js';
import { InvalidInputError, UpstreamError } from '../../errors.js';
import type { AzureMetricsPort, MetricPoint } from './port.js';

/** /subscriptions/{guid}/resourceGroups/{rg}/providers/{Namespace}/{type}/{name}[/{type}/{name}…] */
const RESOURCE_ID =
  /^\/subscriptions\/[0-9a-fA-F-]{36}\/resourceGroups\/[-\w.()]{1,90}\/providers\/([A-Za-z0-9.]+)((?:\/[A-Za-z0-9]+\/[-\w.]{1,260})+)$/;

/** Time grains the metrics batch API accepts, finest first. */
const GRAINS: [string, number][] = [
  ['PT1M', 60_000],
  ['PT5M', 300_000],
  ['PT15M', 900_000],
  ['PT30M', 1_800_000],
  ['PT1H', 3_600_000],
  ['PT6H', 21_600_000],
  ['PT12H', 43_200_000],
  ['P1D', 86_400_000],
];
/** Enough points for a readable chart, few enough for one response. */
const MAX_POINTS = 360;

type AggKey = 'average' | 'maximum' | 'minimum' | 'total' | 'count';

export const metricCheck: CheckDefinition<'azure.metric', AzureMetricsPort> = {
  kind: 'azure.metric',
  backend: 'azureMetrics',
  async run(ctx, port): Promise<Measurement> {
    const { resourceId, metric, aggregation, interval } = ctx.params;
    const metricNamespace = namespaceOf(resourceId);
    // The API splits metricnames on commas; a name with one would query something else.
    if (metric.includes(','))
      throw new InvalidInputError('metric', 'metric: a single metric name, without commas');
    const windowMs = parseDuration(interval);
    if (windowMs === undefined || windowMs <= 0)
      throw new InvalidInputError('interval', 'interval: expected a duration');
    const endTime = ctx.now();
    const startTime = new Date(endTime.getTime() - windowMs);
    const granularity = pickGrain(windowMs);
    const key = aggregation.toLowerCase() as AggKey;

    const answer = await port.queryMetric(
      { resourceId, metricName: metric, metricNamespace, startTime, endTime, granularity, aggregation: key },
      { signal: ctx.signal },
    );
    if (answer?.error)
      throw new UpstreamError('azure-metrics', `${metric}: ${answer.error}`, { retryable: false });
    const label = `${aggregation} of ${metric} over ${formatDuration(windowMs)}`;
    if (!answer) return { summary: `${label}: Azure returned no metric named "${metric}" for this resource` };

    const scale = answer.unit === 'MilliSeconds' ? 1 / 1000 : 1;
    const unit = scale === 1 ? answer.unit : 'Seconds';
    const series: Series[] = answer.timeseries.map((ts) => ({
      name: `${answer.name} ${aggregation}`,
      labels: ts.labels,
      points: points(ts.data, key).map((p) => ({ t: p.t, v: p.v * scale })),
    }));
    const all = series.flatMap((s) => s.points);
    if (all.length === 0)
      return { summary: `${label}: no datapoints`, evidence: { counts: { datapoints: 0 } } };

    const value = reduce(key, all);
    const peak = all.reduce((a, b) => (b.v > a.v ? b : a));
    return {
      value,
      summary: `${label}: ${round(value)} ${unit} (${all.length} datapoints of ${granularity}; highest ${round(peak.v)} at ${new Date(peak.t).toISOString()})`,
      evidence: { series, counts: { datapoints: all.length } },
    };
  },
};

/** The metric namespace of a resource is its type: Microsoft.OperationalInsights/workspaces. */
export function namespaceOf(resourceId: string): string {
  const m = RESOURCE_ID.exec(resourceId);
  if (!m?.[1] || !m[2]) {
    throw new InvalidInputError(
      'resourceId',
      'resourceId: expected /subscriptions/{id}/resourceGroups/{rg}/providers/{Namespace}/{type}/{name}',
    );
  }
  const types = m[2].split('/').filter((_, i) => i % 2 === 1);
  return [m[1], ...types].join('/');
}

export function pickGrain(windowMs: number): string {
  const fit = GRAINS.find(([, ms]) => windowMs / ms <= MAX_POINTS) ?? GRAINS[GRAINS.length - 1];
  return fit?.[0] ?? 'PT1H';
}

/** Grains without data come back as bare timestamps; they are gaps, not zeros. */
function points(data: MetricPoint[], key: AggKey): SeriesPoint[] {
  return data
    .flatMap((d) => {
      const v = d[key];
      return typeof v === 'number' && Number.isFinite(v) ? [{ t: d.timeStamp.getTime(), v }] : [];
    })
    .sort((a, b) => a.t - b.t);
}

/** Total and Count add up over the window; Average is the mean of the grain averages. */
export function reduce(key: AggKey, pts: readonly SeriesPoint[]): number {
  const values = pts.map((p) => p.v);
  if (key === 'maximum') return Math.max(...values);
  if (key === 'minimum') return Math.min(...values);
  const sum = values.reduce((a, b) => a + b, 0);
  return key === 'average' ? sum / values.length : sum;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
