// The narrow port perfbot needs from Prometheus: an instant query and a range query, in plain
// types so the checks and their fakes never see the HTTP API's JSON.

export interface PrometheusCallOptions {
  /** Every call gives up when this aborts (check timeout, run deadline). */
  signal: AbortSignal;
}

export interface PromSample {
  labels: Record<string, string>;
  /** epoch milliseconds */
  t: number;
  /** NaN and ±Inf are kept as such: Prometheus returns them and they mean something. */
  v: number;
}

export interface PromSeries {
  labels: Record<string, string>;
  points: { t: number; v: number }[];
}

/** An instant query's answer; a range selector (matrix) or a string is not a measurement. */
export type InstantResult =
  | { type: 'vector'; samples: PromSample[] }
  | { type: 'scalar'; sample: PromSample }
  | { type: 'matrix'; series: PromSeries[] }
  | { type: 'string'; value: string };

export interface RangeRequest {
  start: Date;
  end: Date;
  stepSeconds: number;
}

export interface PrometheusPort {
  /** GET /api/v1/query at `time` (default: the server's now). */
  query(promql: string, options: PrometheusCallOptions & { time?: Date }): Promise<InstantResult>;
  /** GET /api/v1/query_range; always a matrix. */
  queryRange(promql: string, range: RangeRequest, options: PrometheusCallOptions): Promise<PromSeries[]>;
}
