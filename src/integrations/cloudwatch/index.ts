// CloudWatch integration: one check kind, cloudwatch.metric (e.g. S3 5xxErrors for throttling).
import type { AnyCheckDefinition } from '../../diagnostics/types.js';
import { metricCheck } from './metric-check.js';

export {
  type CloudWatchClientOptions,
  type CloudWatchPortClient,
  createCloudWatchClient,
  normalizeAwsError,
} from './client.js';
export { reduce as reduceCloudWatchStatistic } from './metric-check.js';
export type { CloudWatchPort } from './port.js';

export const cloudwatchChecks = {
  'cloudwatch.metric': metricCheck,
} satisfies Record<string, AnyCheckDefinition>;
