// AWS SDK v3 adapter for the CloudWatch port. The SDK (3.11xx) speaks AWS JSON 1.0 to
// CloudWatch (X-Amz-Target: GraniteServiceVersion20100801.<Op>, epoch-second timestamps) and
// retries throttling and 5xx itself; what still fails after that reaches us as a coded error.
import {
  CloudWatchClient,
  type CloudWatchClientConfig,
  GetMetricDataCommand,
  ListMetricsCommand,
} from '@aws-sdk/client-cloudwatch';
import { PerfbotError, UpstreamError } from '../../errors.js';
import type { CloudWatchPort, MetricId } from './port.js';

export interface CloudWatchClientOptions {
  region: string;
  /** AWS_ENDPOINT_URL_CLOUDWATCH, a VPC endpoint, or a test fake. */
  endpoint?: string;
  /** Omit in production: the SDK's default chain (env, profile, web identity, IMDS) applies. */
  credentials?: CloudWatchClientConfig['credentials'];
  /** Attempts per call including SDK retries (SDK default 3). */
  maxAttempts?: number;
}

export type CloudWatchPortClient = CloudWatchPort & { close(): void };

export function createCloudWatchClient(options: CloudWatchClientOptions): CloudWatchPortClient {
  const client = new CloudWatchClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
  });

  return {
    async getMetricData({ query, startTime, endTime, nextToken }, { signal }) {
      try {
        const out = await client.send(
          new GetMetricDataCommand({
            MetricDataQueries: [
              {
                Id: 'm0',
                MetricStat: {
                  Metric: {
                    Namespace: query.namespace,
                    MetricName: query.metricName,
                    Dimensions: toDimensions(query.dimensions),
                  },
                  Period: query.period,
                  Stat: query.stat,
                },
                ReturnData: true,
              },
            ],
            StartTime: startTime,
            EndTime: endTime,
            ScanBy: 'TimestampDescending',
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
          { abortSignal: signal },
        );
        const result = out.MetricDataResults?.find((r) => r.Id === 'm0');
        return {
          timestamps: result?.Timestamps ?? [],
          values: result?.Values ?? [],
          statusCode: result?.StatusCode,
          messages: [...(out.Messages ?? []), ...(result?.Messages ?? [])]
            .map((m) => [m.Code, m.Value].filter(Boolean).join(': '))
            .filter(Boolean),
          nextToken: out.NextToken,
        };
      } catch (err) {
        throw normalizeAwsError(err, signal, 'GetMetricData');
      }
    },

    async listMetrics(metric, { signal }) {
      try {
        const out = await client.send(
          new ListMetricsCommand({
            Namespace: metric.namespace,
            MetricName: metric.metricName,
            Dimensions: toDimensions(metric.dimensions),
          }),
          { abortSignal: signal },
        );
        return (out.Metrics ?? []).map(
          (m): MetricId => ({
            namespace: m.Namespace ?? '',
            metricName: m.MetricName ?? '',
            dimensions: Object.fromEntries((m.Dimensions ?? []).map((d) => [d.Name ?? '', d.Value ?? ''])),
          }),
        );
      } catch (err) {
        throw normalizeAwsError(err, signal, 'ListMetrics');
      }
    },

    close: () => client.destroy(),
  };
}

function toDimensions(dimensions: Record<string, string>) {
  return Object.entries(dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([Name, Value]) => ({ Name, Value }));
}

/** Error codes AWS uses for rate limiting (CloudWatch's query heritage says "Throttling"). */
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
]);
/** Local failures that no retry fixes: no credentials, no region. */
const LOCAL_CONFIG = new Set(['CredentialsProviderError', 'ProviderError', 'InvalidIdentityToken']);

/** SDK errors → coded errors. An aborted call answers with the signal's own reason. */
export function normalizeAwsError(err: unknown, signal: AbortSignal, operation: string): unknown {
  if (signal.aborted) return signal.reason;
  if (err instanceof PerfbotError) return err;
  const e = (err ?? {}) as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const message = `${operation}: ${name}: ${e.message ?? String(err)}`;
  if (THROTTLING.has(name))
    return new UpstreamError('cloudwatch', message, { status, retryable: true, cause: err });
  if (LOCAL_CONFIG.has(name))
    return new UpstreamError('cloudwatch', message, { retryable: false, cause: err });
  // No HTTP status: the request never got an answer (DNS, refused, reset): worth retrying.
  return new UpstreamError('cloudwatch', message, { status, cause: err });
}
