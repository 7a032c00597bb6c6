// Kafka integration: consumer lag and topic layout checks, and the partition-count action.
import type { AnyCheckDefinition } from '../../diagnostics/types.js';
import type { AnyActionDefinition } from '../../remediation/types.js';
import { consumerLagCheck } from './consumer-lag.js';
import { createPartitionsAction, type KafkaActionOptions } from './partitions-action.js';
import { topicCheck } from './topic.js';

export { createKafkaClient, type KafkaClient, type KafkaClientOptions } from './client.js';
export { computeLag, type PartitionLag, partitionLag, totalLag } from './lag.js';
export { createPartitionsAction, type KafkaActionOptions } from './partitions-action.js';
export type { KafkaPort } from './port.js';

export const kafkaChecks = {
  'kafka.consumer-lag': consumerLagCheck,
  'kafka.topic': topicCheck,
} satisfies Record<string, AnyCheckDefinition>;

export function createKafkaActions(options: KafkaActionOptions = {}) {
  return { 'kafka.partitions': createPartitionsAction(options) } satisfies Record<
    string,
    AnyActionDefinition
  >;
}

export const kafkaActions = createKafkaActions();
