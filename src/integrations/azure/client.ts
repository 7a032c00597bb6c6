// Azure SDK adapters for the metrics and logs ports. Production authenticates with
// DefaultAzureCredential (workload identity, managed identity, env, CLI); tests inject a static
// TokenCredential and an httpClient that redirects the https endpoint to a local fake (the SDK's
// bearer-token policy refuses plain-http URLs, so the endpoint itself must stay https).
import { AsyncLocalStorage } from 'node:async_hooks';
import { DefaultAzureCredential } from '@azure/identity';
import { LogsQueryClient, LogsQueryResultStatus } from '@azure/monitor-query-logs';
import { MetricsClient } from '@azure/monitor-query-metrics';
import { PerfbotError, UpstreamError } from '../../errors.js';
import type { AzureLogsPort, AzureMetricsPort, LogsTable } from './port.js';

type TokenCredential = ConstructorParameters<typeof MetricsClient>[1];
type ClientOptions = NonNullable<ConstructorParameters<typeof MetricsClient>[2]>;
type PipelinePolicy = Parameters<MetricsClient['pipeline']['addPolicy']>[0];

export interface AzureClientOptions {
  /** https://<region>.metrics.monitor.azure.com, or https://api.loganalytics.io for logs. */
  endpoint: string;
  credential?: TokenCredential;
  httpClient?: ClientOptions['httpClient'];
  /** Retries of 429/5xx inside the SDK (which honours Retry-After); SDK default 3. */
  maxRetries?: number;
}

// Neither SDK forwards an AbortSignal from every method (LogsQueryClient.queryWorkspace drops
// it in 1.0.0), so the signal travels in async context to a pipeline policy that puts it on
// the request; the retry policy, the token request and the HTTP client all honour it there.
const callSignal = new AsyncLocalStorage<AbortSignal>();
const signalPolicy: PipelinePolicy = {
  name: 'perfbotAbortSignal',
  sendRequest: (request, next) => {
    const signal = callSignal.getStore();
    if (signal) request.abortSignal = signal;
    return next(request);
  },
};

function clientOptions(o: AzureClientOptions): ClientOptions {
  return {
    ...(o.httpClient ? { httpClient: o.httpClient } : {}),
    ...(o.maxRetries === undefined ? {} : { retryOptions: { maxRetries: o.maxRetries } }),
  };
}

export function createAzureMetricsClient(options: AzureClientOptions): AzureMetricsPort {
  const client = new MetricsClient(
    options.endpoint,
    options.credential ?? new DefaultAzureCredential(),
    clientOptions(options),
  );
  client.pipeline.addPolicy(signalPolicy);
  return {
    async queryMetric(r, { signal }) {
      try {
        const [result] = await callSignal.run(signal, () =>
          client.queryResources([r.resourceId], [r.metricName], r.metricNamespace, {
            startTime: r.startTime,
            endTime: r.endTime,
            interval: r.granularity,
            aggregation: r.aggregation,
          }),
        );
        const metric =
          result?.metrics.find((m) => m.name.toLowerCase() === r.metricName.toLowerCase()) ??
          result?.metrics[0];
        if (!metric) return undefined;
        return {
          name: metric.name,
          unit: metric.unit,
          timeseries: (metric.timeseries ?? []).map((ts) => ({
            labels: Object.fromEntries((ts.metadatavalues ?? []).map((m) => [m.name ?? '', m.value ?? ''])),
            data: ts.data ?? [],
          })),
          ...(metric.errorCode && metric.errorCode !== 'Success'
            ? { error: `${metric.errorCode}: ${metric.errorMessage ?? ''}` }
            : {}),
        };
      } catch (err) {
        throw normalizeAzureError(err, signal, 'azure-metrics');
      }
    },
  };
}

export function createAzureLogsClient(
  options: AzureClientOptions & { defaultWorkspaceId?: string | undefined },
): AzureLogsPort {
  // With an explicit endpoint the SDK does not append the API version: the base is …/v1.
  const base = options.endpoint.replace(/\/+$/, '');
  const endpoint = /\/v1$/.test(base) ? base : `${base}/v1`;
  const client = new LogsQueryClient(options.credential ?? new DefaultAzureCredential(), {
    endpoint,
    ...clientOptions(options),
  });
  client.pipeline.addPolicy(signalPolicy);
  return {
    defaultWorkspaceId: options.defaultWorkspaceId,
    async queryWorkspace({ workspaceId, query, startTime, endTime }, { signal }) {
      try {
        const res = await callSignal.run(signal, () =>
          client.queryWorkspace(workspaceId, query, { startTime, endTime }),
        );
        const tables = (
          t: { name: string; columnDescriptors: { name?: string; type?: string }[]; rows: unknown[][] }[],
        ) =>
          t.map(
            (x): LogsTable => ({
              name: x.name,
              columns: x.columnDescriptors.map((c) => ({ name: c.name ?? '', type: c.type ?? '' })),
              rows: x.rows,
            }),
          );
        if (res.status === LogsQueryResultStatus.PartialFailure) {
          return {
            status: 'PartialFailure',
            tables: tables(res.partialTables),
            error: { code: res.partialError.code, message: res.partialError.message },
          };
        }
        return { status: 'Success', tables: tables(res.tables) };
      } catch (err) {
        throw normalizeAzureError(err, signal, 'azure-logs');
      }
    },
  };
}

const NOT_RETRYABLE = new Set([
  'CredentialUnavailableError',
  'AuthenticationError',
  'AuthenticationRequiredError',
]);

/** SDK errors → coded errors. An aborted call answers with the signal's own reason. */
export function normalizeAzureError(err: unknown, signal: AbortSignal, service: string): unknown {
  if (signal.aborted) return signal.reason;
  if (err instanceof PerfbotError) return err;
  const e = (err ?? {}) as { name?: string; message?: string; statusCode?: number; code?: string };
  const message = `${e.code && e.code !== e.name ? `${e.code}: ` : ''}${e.message ?? String(err)}`;
  if (e.name && NOT_RETRYABLE.has(e.name))
    return new UpstreamError(service, message, { retryable: false, cause: err });
  // statusCode undefined: no answer at all (DNS, refused, reset), which UpstreamError retries.
  return new UpstreamError(service, message, { status: e.statusCode, cause: err });
}
