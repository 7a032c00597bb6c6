// The narrow port perfbot needs from CloudWatch: one page of GetMetricData for one metric, and
// ListMetrics to tell "no datapoints because nothing happened" from "no such metric".

export interface CloudWatchCallOptions {
  signal: AbortSignal;
}

export interface MetricId {
  namespace: string;
  metricName: string;
  /** Exact dimension set: CloudWatch treats each combination as a separate metric. */
  dimensions: Record<string, string>;
}

export interface MetricStatQuery extends MetricId {
  /** seconds */
  period: number;
  stat: string;
}

export interface MetricDataPage {
  timestamps: Date[];
  values: number[];
  /** Complete | PartialData (more pages) | InternalError | Forbidden */
  statusCode: string | undefined;
  messages: string[];
  nextToken: string | undefined;
}

export interface CloudWatchPort {
  getMetricData(
    request: { query: MetricStatQuery; startTime: Date; endTime: Date; nextToken?: string },
    options: CloudWatchCallOptions,
  ): Promise<MetricDataPage>;
  /** Metrics (published in the last two weeks) that have at least these dimensions; first page. */
  listMetrics(metric: MetricId, options: CloudWatchCallOptions): Promise<MetricId[]>;
}
