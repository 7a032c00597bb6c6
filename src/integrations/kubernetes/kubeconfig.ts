// Config → KubeConfig: a KUBECONFIG file (or a path list, merged like kubectl does, first file's
// context winning) or the pod's service account when running in the cluster.
import { delimiter } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { Config } from '../../config.js';
import { ConfigError, errorMessage } from '../../errors.js';
import { createKubernetesClient } from './adapter.js';
import type { KubernetesPort } from './port.js';

export function kubeConfigFromConfig(
  config: Pick<Config, 'kubeconfig' | 'inCluster'>,
): KubeConfig | undefined {
  const kc = new KubeConfig();
  if (config.kubeconfig) {
    const files = config.kubeconfig.split(delimiter).filter(Boolean);
    try {
      for (const [i, file] of files.entries()) {
        if (i === 0) {
          kc.loadFromFile(file);
        } else {
          const more = new KubeConfig();
          more.loadFromFile(file);
          kc.mergeConfig(more, Boolean(kc.currentContext));
        }
      }
    } catch (err) {
      throw new ConfigError([`KUBECONFIG: cannot load ${config.kubeconfig}: ${errorMessage(err)}`]);
    }
    if (!kc.getCurrentCluster())
      throw new ConfigError([`KUBECONFIG: ${config.kubeconfig} has no current cluster`]);
    return kc;
  }
  if (config.inCluster) {
    // Reads the service-account token and KUBERNETES_SERVICE_HOST/PORT, as every in-cluster client does.
    kc.loadFromCluster();
    return kc;
  }
  return undefined;
}

/** The kubernetes back end, or undefined when neither KUBECONFIG nor in-cluster config is set. */
export function createKubernetesClientFromConfig(
  config: Pick<Config, 'kubeconfig' | 'inCluster'>,
): KubernetesPort | undefined {
  const kc = kubeConfigFromConfig(config);
  return kc ? createKubernetesClient(kc) : undefined;
}
