// Builds the clients of every configured back end from Config. A back end that is not
// configured is absent, and its checks report "skipped: set <VARIABLE>".
import type { Config } from '../config.js';
import type { BackendName } from '../diagnostics/types.js';
import type { Logger } from '../log.js';
import { createAzureLogsClient, createAzureMetricsClient } from './azure/index.js';
import { createClickHouseClient } from './clickhouse/index.js';
import { createCloudWatchClient } from './cloudwatch/index.js';
import { createKafkaClient } from './kafka/index.js';
import { createKubernetesClientFromConfig } from './kubernetes/index.js';
import { createNetworkClient } from './network/index.js';
import { createPrometheusClient } from './prometheus/index.js';
import { createRedisInfoClient } from './redis/index.js';

export type Backends = Partial<Record<BackendName, unknown>> & { close(): Promise<void> };

export function createBackends(config: Config, log: Logger): Backends {
  const backends: Partial<Record<BackendName, unknown>> = {};
  const closers: (() => Promise<void> | void)[] = [];
  // integrations add their factories here, e.g.
  //   if (config.prometheusUrl) backends.prometheus = createPrometheusClient({ baseUrl: config.prometheusUrl });
  if (config.kubeconfig || config.inCluster) backends.kubernetes = createKubernetesClientFromConfig(config);
  if (config.prometheusUrl) backends.prometheus = createPrometheusClient({ baseUrl: config.prometheusUrl });
  if (config.clickhouseUrl) {
    const clickhouse = createClickHouseClient({ url: config.clickhouseUrl });
    backends.clickhouse = clickhouse;
    closers.push(() => clickhouse.close());
  }
  if (config.targetRedisUrl) backends.redis = createRedisInfoClient({ url: config.targetRedisUrl });
  if (config.networkChecks) backends.network = createNetworkClient();
  if (config.kafkaBrokers.length > 0) {
    const kafka = createKafkaClient({ brokers: config.kafkaBrokers, security: config.kafka, log });
    backends.kafka = kafka;
    closers.push(() => kafka.close());
  }
  if (config.aws.region) {
    const cloudwatch = createCloudWatchClient({
      region: config.aws.region,
      ...(config.aws.cloudwatchEndpoint ? { endpoint: config.aws.cloudwatchEndpoint } : {}),
    });
    backends.cloudwatch = cloudwatch;
    closers.push(() => cloudwatch.close());
  }
  if (config.azure.metricsEndpoint) {
    backends.azureMetrics = createAzureMetricsClient({ endpoint: config.azure.metricsEndpoint });
  }
  if (config.azure.logsEndpoint) {
    backends.azureLogs = createAzureLogsClient({
      endpoint: config.azure.logsEndpoint,
      defaultWorkspaceId: config.azure.logsWorkspaceId,
    });
  }
  return {
    ...backends,
    close: async () => {
      await Promise.allSettled(closers.map((c) => c()));
    },
  };
}
