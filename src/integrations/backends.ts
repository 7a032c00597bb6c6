// The clients of the configured back ends. Which back ends are configured is known from Config
// at once (an absent one makes its checks "skipped: set X"); each client — and the SDK behind
// it — is built the first time a check or action needs it, so a bot with Kubernetes configured
// does not load the Azure SDK, and `perfbot serve` starts without loading any.
import type { Config } from '../config.js';
import type { BackendName } from '../diagnostics/types.js';
import type { Logger } from '../log.js';

export interface Backends {
  /** Configured (its variable is set), whether or not its client was built yet. */
  has(name: BackendName): boolean;
  /** The back end's port; undefined when not configured. Built once, on first use. */
  get(name: BackendName): Promise<unknown>;
  close(): Promise<void>;
}

/** A fixed set of ports (tests, benchmarks) or the lazily built one. */
export type BackendSource = Backends | Partial<Record<BackendName, unknown>>;

type Closable = { close(): Promise<void> | void };
type Factory = () => Promise<unknown>;

export function createBackends(config: Config, log: Logger): Backends {
  const factories: Partial<Record<BackendName, Factory>> = {};
  if (config.kubeconfig || config.inCluster)
    factories.kubernetes = async () =>
      (await import('./kubernetes/index.js')).createKubernetesClientFromConfig(config);
  if (config.prometheusUrl) {
    const baseUrl = config.prometheusUrl;
    factories.prometheus = async () =>
      (await import('./prometheus/index.js')).createPrometheusClient({ baseUrl });
  }
  if (config.clickhouseUrl) {
    const url = config.clickhouseUrl;
    factories.clickhouse = async () =>
      (await import('./clickhouse/index.js')).createClickHouseClient({ url });
  }
  if (config.targetRedisUrl) {
    const url = config.targetRedisUrl;
    factories.redis = async () => (await import('./redis/index.js')).createRedisInfoClient({ url });
  }
  if (config.networkChecks)
    factories.network = async () => (await import('./network/index.js')).createNetworkClient();
  if (config.kafkaBrokers.length > 0) {
    const brokers = config.kafkaBrokers;
    const security = config.kafka;
    factories.kafka = async () =>
      (await import('./kafka/index.js')).createKafkaClient({ brokers, security, log });
  }
  if (config.aws.region) {
    const { region, cloudwatchEndpoint } = config.aws;
    factories.cloudwatch = async () =>
      (await import('./cloudwatch/index.js')).createCloudWatchClient({
        region,
        ...(cloudwatchEndpoint ? { endpoint: cloudwatchEndpoint } : {}),
      });
  }
  if (config.azure.metricsEndpoint) {
    const endpoint = config.azure.metricsEndpoint;
    factories.azureMetrics = async () =>
      (await import('./azure/index.js')).createAzureMetricsClient({ endpoint });
  }
  if (config.azure.logsEndpoint) {
    const endpoint = config.azure.logsEndpoint;
    const defaultWorkspaceId = config.azure.logsWorkspaceId;
    factories.azureLogs = async () =>
      (await import('./azure/index.js')).createAzureLogsClient({ endpoint, defaultWorkspaceId });
  }
  return lazyBackends(factories);
}

/** Memoizes each factory; a factory that fails (bad kubeconfig) is tried again next time. */
export function lazyBackends(factories: Partial<Record<BackendName, Factory>>): Backends {
  const built = new Map<BackendName, Promise<unknown>>();
  return {
    has: (name) => factories[name] !== undefined,
    get: (name) => {
      const factory = factories[name];
      if (!factory) return Promise.resolve(undefined);
      let p = built.get(name);
      if (!p) {
        p = factory();
        p.catch(() => built.delete(name));
        built.set(name, p);
      }
      return p;
    },
    close: async () => {
      const clients = await Promise.allSettled(built.values());
      await Promise.allSettled(
        clients.map((c) => {
          const client = c.status === 'fulfilled' ? (c.value as Partial<Closable>) : undefined;
          return typeof client?.close === 'function' ? client.close() : undefined;
        }),
      );
    },
  };
}

function isBackends(source: BackendSource): source is Backends {
  return typeof (source as Backends).has === 'function' && typeof (source as Backends).get === 'function';
}

/** Normalizes a fixed map into the Backends interface (closing it closes nothing). */
export function toBackends(source: BackendSource): Backends {
  if (isBackends(source)) return source;
  const present = (name: BackendName) => source[name] !== undefined && source[name] !== null;
  return {
    has: present,
    get: async (name) => (present(name) ? source[name] : undefined),
    close: async () => {},
  };
}
