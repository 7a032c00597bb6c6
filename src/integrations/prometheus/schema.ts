// Prometheus HTTP API responses (https://prometheus.io/docs/prometheus/latest/querying/api/).
// Outside data: lenient where a field is decoration, strict where the value is the point.
import { z } from 'zod';
import type { InstantResult, PromSample, PromSeries } from './port.js';

export const PromEnvelope = z.object({
  status: z.enum(['success', 'error']).catch('error'),
  data: z.object({ resultType: z.string(), result: z.unknown() }).optional().catch(undefined),
  errorType: z.string().optional().catch(undefined),
  error: z.string().optional().catch(undefined),
});
export type PromEnvelope = z.infer<typeof PromEnvelope>;

const Labels = z.record(z.string(), z.string()).catch({});
/** [unix seconds (float), "value"]; values travel as strings so NaN and ±Inf survive JSON. */
const Pair = z.tuple([z.number(), z.string()]);
const VectorItem = z.object({ metric: Labels, value: Pair });
const MatrixItem = z.object({ metric: Labels, values: z.array(Pair) });

/** Prometheus formats special floats as "NaN", "+Inf" and "-Inf". */
export function parseSampleValue(text: string): number {
  switch (text) {
    case '+Inf':
    case 'Inf':
      return Number.POSITIVE_INFINITY;
    case '-Inf':
      return Number.NEGATIVE_INFINITY;
    case 'NaN':
      return Number.NaN;
    default:
      return text.trim() === '' ? Number.NaN : Number(text);
  }
}

const point = ([t, v]: [number, string]) => ({ t: Math.round(t * 1000), v: parseSampleValue(v) });

function toSeries(result: unknown): PromSeries[] | undefined {
  const parsed = z.array(MatrixItem).safeParse(result);
  return parsed.success
    ? parsed.data.map((s) => ({ labels: s.metric, points: s.values.map(point) }))
    : undefined;
}

/** Turns `data` of a successful response into our result type; undefined when it is malformed. */
export function toInstantResult(data: { resultType: string; result: unknown }): InstantResult | undefined {
  switch (data.resultType) {
    case 'vector': {
      const parsed = z.array(VectorItem).safeParse(data.result);
      if (!parsed.success) return undefined;
      const samples: PromSample[] = parsed.data.map((s) => ({ labels: s.metric, ...point(s.value) }));
      return { type: 'vector', samples };
    }
    case 'scalar': {
      const parsed = Pair.safeParse(data.result);
      return parsed.success ? { type: 'scalar', sample: { labels: {}, ...point(parsed.data) } } : undefined;
    }
    case 'matrix': {
      const series = toSeries(data.result);
      return series ? { type: 'matrix', series } : undefined;
    }
    case 'string': {
      const parsed = Pair.safeParse(data.result);
      return parsed.success ? { type: 'string', value: parsed.data[1] } : undefined;
    }
    default:
      return undefined;
  }
}

export function toRangeResult(data: { resultType: string; result: unknown }): PromSeries[] | undefined {
  return data.resultType === 'matrix' ? toSeries(data.result) : undefined;
}
