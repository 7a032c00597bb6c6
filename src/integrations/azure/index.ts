// Azure Monitor integration: azure.metric (metrics batch API) and azure.logs (Log Analytics KQL).
import type { AnyCheckDefinition } from '../../diagnostics/types.js';
import { logsCheck } from './logs-check.js';
import { metricCheck } from './metric-check.js';

export {
  type AzureClientOptions,
  createAzureLogsClient,
  createAzureMetricsClient,
  normalizeAzureError,
} from './client.js';
export { namespaceOf as azureMetricNamespace, pickGrain as azureTimeGrain } from './metric-check.js';
export type { AzureLogsPort, AzureMetricsPort } from './port.js';

export const azureChecks = {
  'azure.metric': metricCheck,
  'azure.logs': logsCheck,
} satisfies Record<string, AnyCheckDefinition>;
