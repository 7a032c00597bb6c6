// Builds the clients of every configured back end from Config. A back end that is not
// configured is absent, and its checks report "skipped: set <VARIABLE>".
import type { Config } from '../config.js';
import type { BackendName } from '../diagnostics/types.js';
import type { Logger } from '../log.js';
import { createKubernetesClientFromConfig } from './kubernetes/index.js';

export type Backends = Partial<Record<BackendName, unknown>> & { close(): Promise<void> };

export function createBackends(config: Config, _log: Logger): Backends {
  const backends: Partial<Record<BackendName, unknown>> = {};
  const closers: (() => Promise<void> | void)[] = [];
  // integrations add their factories here, e.g.
  //   if (config.prometheusUrl) backends.prometheus = createPrometheusClient({ baseUrl: config.prometheusUrl });
  if (config.kubeconfig || config.inCluster) backends.kubernetes = createKubernetesClientFromConfig(config);
  return {
    ...backends,
    close: async () => {
      await Promise.allSettled(closers.map((c) => c()));
    },
  };
}
