// The Kubernetes integration: its port and client factory, and the check and action kinds it
// implements (spread into src/integrations/registry.ts).
import type { CheckDefinition } from '../../diagnostics/types.js';
import type { ActionDefinition } from '../../remediation/types.js';
import { configMapSet } from './actions/configmap-set.js';
import { resources } from './actions/resources.js';
import { restart } from './actions/restart.js';
import { scale } from './actions/scale.js';
import { endpoints } from './checks/endpoints.js';
import { hpa } from './checks/hpa.js';
import { podHealth } from './checks/pod-health.js';
import { podLogs } from './checks/pod-logs.js';
import { podResources } from './checks/pod-resources.js';
import type { KubernetesPort } from './port.js';

export { RESTART_ID, RESTARTED_AT } from './actions/restart.js';
export { rolloutStatus, waitForWorkloadRollout } from './actions/rollout.js';
export { createKubernetesClient } from './adapter.js';
export { createKubernetesClientFromConfig, kubeConfigFromConfig } from './kubeconfig.js';
export type * from './port.js';
export { formatQuantity, parseQuantity } from './quantity.js';

type KubernetesCheckKind =
  | 'kubernetes.pod-resources'
  | 'kubernetes.pod-health'
  | 'kubernetes.hpa'
  | 'kubernetes.endpoints'
  | 'kubernetes.pod-logs';
type KubernetesActionKind =
  | 'kubernetes.scale'
  | 'kubernetes.restart'
  | 'kubernetes.configmap.set'
  | 'kubernetes.resources';

export const kubernetesChecks: { [K in KubernetesCheckKind]: CheckDefinition<K, KubernetesPort> } = {
  'kubernetes.pod-resources': podResources,
  'kubernetes.pod-health': podHealth,
  'kubernetes.hpa': hpa,
  'kubernetes.endpoints': endpoints,
  'kubernetes.pod-logs': podLogs,
};

export const kubernetesActions: { [K in KubernetesActionKind]: ActionDefinition<K, KubernetesPort> } = {
  'kubernetes.scale': scale,
  'kubernetes.restart': restart,
  'kubernetes.configmap.set': configMapSet,
  'kubernetes.resources': resources,
};
