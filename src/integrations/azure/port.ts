// The narrow ports perfbot needs from Azure Monitor: one metric of one resource (the batch
// metrics API with a single resource), and one KQL query over a Log Analytics workspace.

export interface AzureCallOptions {
  signal: AbortSignal;
}

export interface MetricPoint {
  timeStamp: Date;
  average?: number;
  minimum?: number;
  maximum?: number;
  total?: number;
  count?: number;
}

export interface MetricTimeseries {
  /** Dimension values of this series (empty without a dimension filter). */
  labels: Record<string, string>;
  data: MetricPoint[];
}

export interface MetricAnswer {
  name: string;
  /** Azure's unit: Count, Bytes, Seconds, MilliSeconds, Percent, CountPerSecond, … */
  unit: string;
  timeseries: MetricTimeseries[];
  /** Set when Azure could not produce this metric (errorCode other than Success). */
  error?: string;
}

export interface MetricRequest {
  resourceId: string;
  metricName: string;
  /** The resource type, e.g. Microsoft.OperationalInsights/workspaces. */
  metricNamespace: string;
  startTime: Date;
  endTime: Date;
  /** ISO 8601 time grain: PT1M, PT5M, … */
  granularity: string;
  /** average | maximum | minimum | total | count */
  aggregation: string;
}

export interface AzureMetricsPort {
  /** undefined when Azure returned no metric of that name for the resource. */
  queryMetric(request: MetricRequest, options: AzureCallOptions): Promise<MetricAnswer | undefined>;
}

export interface LogsTable {
  name: string;
  columns: { name: string; type: string }[];
  rows: unknown[][];
}

export interface LogsAnswer {
  /** PartialFailure: the tables hold what the service computed before `error` stopped it. */
  status: 'Success' | 'PartialFailure';
  tables: LogsTable[];
  error?: { code: string; message: string };
}

export interface AzureLogsPort {
  /** AZURE_LOGS_WORKSPACE_ID, used when a check names no workspace. */
  readonly defaultWorkspaceId: string | undefined;
  queryWorkspace(
    request: { workspaceId: string; query: string; startTime: Date; endTime: Date },
    options: AzureCallOptions,
  ): Promise<LogsAnswer>;
}
