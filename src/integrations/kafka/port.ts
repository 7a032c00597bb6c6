// The narrow port perfbot needs from Kafka: five admin calls, in plain types so that checks,
// actions and the test fake never depend on kafkajs. Offsets stay strings (int64 on the wire).

export interface KafkaCallOptions {
  /** Every call gives up when this aborts (check timeout, run deadline, job cancellation). */
  signal: AbortSignal;
}

export interface CommittedPartitionOffset {
  partition: number;
  /** "-1" when the group has never committed on this partition. */
  offset: string;
}

export interface CommittedTopicOffsets {
  topic: string;
  partitions: CommittedPartitionOffset[];
}

/** Log start (low) and log end (high) offsets of one partition. */
export interface PartitionWatermarks {
  partition: number;
  low: string;
  high: string;
}

export interface PartitionMetadata {
  partitionId: number;
  /** Broker id of the leader; -1 when the partition is offline. */
  leader: number;
  replicas: number[];
  isr: number[];
}

export interface TopicMetadata {
  name: string;
  partitions: PartitionMetadata[];
}

export interface GroupMember {
  memberId: string;
  clientId: string;
  clientHost: string;
}

export interface GroupDescription {
  groupId: string;
  /** Stable, Empty, PreparingRebalance, CompletingRebalance, Dead, Unknown. */
  state: string;
  members: GroupMember[];
}

export interface KafkaPort {
  /** Committed offsets of a group; all topics it committed on when `topics` is omitted. */
  fetchOffsets(
    request: { groupId: string; topics?: string[] },
    options: KafkaCallOptions,
  ): Promise<CommittedTopicOffsets[]>;
  fetchTopicOffsets(topic: string, options: KafkaCallOptions): Promise<PartitionWatermarks[]>;
  fetchTopicMetadata(topics: string[], options: KafkaCallOptions): Promise<TopicMetadata[]>;
  describeGroups(groupIds: string[], options: KafkaCallOptions): Promise<GroupDescription[]>;
  /** Raises the topic's partition count to `count` (the new total, as Kafka's API takes it). */
  createPartitions(request: { topic: string; count: number }, options: KafkaCallOptions): Promise<void>;
}
