// A hand-written Kafka for the port: no broker can run here. It keeps topics (partitions,
// leaders, watermarks), committed offsets and groups in memory, answers like kafkajs' admin
// client does, and logs every call so tests can assert what reached "the broker".
import { UpstreamError } from '../../src/errors.js';
import type {
  CommittedTopicOffsets,
  GroupDescription,
  KafkaCallOptions,
  KafkaPort,
  PartitionMetadata,
  PartitionWatermarks,
  TopicMetadata,
} from '../../src/integrations/kafka/port.js';

export type KafkaMethod = keyof KafkaPort;
export interface KafkaCall {
  method: KafkaMethod;
  args: unknown[];
}

interface FakeTopic {
  partitions: PartitionMetadata[];
  watermarks: Map<number, { low: string; high: string }>;
  /** Partition count that metadata reads report until `staleReads` runs out. */
  visibleCount: number;
  staleReads: number;
}

export class FakeKafka implements KafkaPort {
  readonly calls: KafkaCall[] = [];
  /** Brokers new partitions are spread over (leader = round-robin). */
  brokers: number[] = [1, 2, 3];
  /** After createPartitions, this many metadata reads still show the old count (propagation). */
  metadataDelay = 0;
  private readonly topics = new Map<string, FakeTopic>();
  private readonly commits = new Map<string, Map<string, Map<number, string>>>();
  private readonly groups = new Map<string, GroupDescription>();
  private readonly failures = new Map<KafkaMethod, Error[]>();
  private readonly hanging = new Set<KafkaMethod>();

  /** Creates or replaces a topic; leaders round-robin unless `leaders` names one per partition. */
  setTopic(
    name: string,
    partitions: number,
    options: { leaders?: number[]; replication?: number } = {},
  ): this {
    const rf = Math.min(options.replication ?? 3, this.brokers.length);
    const metas: PartitionMetadata[] = [];
    for (let i = 0; i < partitions; i++) metas.push(this.partition(i, rf, options.leaders?.[i]));
    this.topics.set(name, {
      partitions: metas,
      watermarks: new Map(metas.map((p) => [p.partitionId, { low: '0', high: '0' }])),
      visibleCount: partitions,
      staleReads: 0,
    });
    return this;
  }

  setWatermarks(topic: string, partition: number, low: number | string, high: number | string): this {
    this.topic(topic).watermarks.set(partition, { low: String(low), high: String(high) });
    return this;
  }

  /** Records a committed offset of `group` (like a consumer's commit). */
  commit(group: string, topic: string, partition: number, offset: number | string): this {
    const byTopic = this.commits.get(group) ?? new Map<string, Map<number, string>>();
    const byPartition = byTopic.get(topic) ?? new Map<number, string>();
    byPartition.set(partition, String(offset));
    byTopic.set(topic, byPartition);
    this.commits.set(group, byTopic);
    return this;
  }

  setGroup(groupId: string, state: string, members = 0): this {
    this.groups.set(groupId, {
      groupId,
      state,
      members: Array.from({ length: members }, (_, i) => ({
        memberId: `${groupId}-member-${i}`,
        clientId: `${groupId}-client`,
        clientHost: `/10.0.0.${i + 1}`,
      })),
    });
    return this;
  }

  /** The next call of `method` throws `error` (queue several for several calls). */
  failNext(method: KafkaMethod, error: Error): this {
    this.failures.set(method, [...(this.failures.get(method) ?? []), error]);
    return this;
  }

  /** Calls of `method` never answer; they settle only when their signal aborts. */
  hang(method: KafkaMethod): this {
    this.hanging.add(method);
    return this;
  }

  partitionCount(topic: string): number {
    return this.topic(topic).partitions.length;
  }

  callsOf(method: KafkaMethod): KafkaCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  async fetchOffsets(request: { groupId: string; topics?: string[] }, options: KafkaCallOptions) {
    await this.enter('fetchOffsets', [request], options);
    const byTopic = this.commits.get(request.groupId);
    if (request.topics) {
      // kafkajs lists every partition of a named topic, -1 where the group never committed.
      return request.topics.map(
        (t): CommittedTopicOffsets => ({
          topic: t,
          partitions: this.topic(t).partitions.map((p) => ({
            partition: p.partitionId,
            offset: byTopic?.get(t)?.get(p.partitionId) ?? '-1',
          })),
        }),
      );
    }
    return [...(byTopic ?? new Map<string, Map<number, string>>())].map(([topic, parts]) => ({
      topic,
      partitions: [...parts].map(([partition, offset]) => ({ partition, offset })),
    }));
  }

  async fetchTopicOffsets(topic: string, options: KafkaCallOptions): Promise<PartitionWatermarks[]> {
    await this.enter('fetchTopicOffsets', [topic], options);
    return [...this.topic(topic).watermarks].map(([partition, w]) => ({ partition, ...w }));
  }

  async fetchTopicMetadata(topics: string[], options: KafkaCallOptions): Promise<TopicMetadata[]> {
    await this.enter('fetchTopicMetadata', [topics], options);
    return topics.map((name) => {
      const t = this.topic(name);
      if (t.staleReads > 0) t.staleReads -= 1;
      else t.visibleCount = t.partitions.length;
      return { name, partitions: t.partitions.slice(0, t.visibleCount).map((p) => structuredClone(p)) };
    });
  }

  async describeGroups(groupIds: string[], options: KafkaCallOptions): Promise<GroupDescription[]> {
    await this.enter('describeGroups', [groupIds], options);
    // Like the broker: an unknown group is described as Dead with no members, not an error.
    return groupIds.map((id) =>
      structuredClone(this.groups.get(id) ?? { groupId: id, state: 'Dead', members: [] }),
    );
  }

  async createPartitions(
    request: { topic: string; count: number },
    options: KafkaCallOptions,
  ): Promise<void> {
    await this.enter('createPartitions', [request], options);
    const t = this.topic(request.topic);
    if (request.count <= t.partitions.length) {
      throw new UpstreamError(
        'kafka',
        `INVALID_PARTITIONS: topic currently has ${t.partitions.length} partitions, which is higher than or equal to the requested ${request.count}`,
        { retryable: false },
      );
    }
    const rf = t.partitions[0]?.replicas.length ?? Math.min(3, this.brokers.length);
    for (let i = t.partitions.length; i < request.count; i++) {
      t.partitions.push(this.partition(i, rf));
      t.watermarks.set(i, { low: '0', high: '0' });
    }
    t.staleReads = this.metadataDelay;
  }

  private partition(id: number, rf: number, leader?: number): PartitionMetadata {
    const first = leader ?? this.brokers[id % this.brokers.length] ?? 1;
    const start = Math.max(0, this.brokers.indexOf(first));
    const replicas = Array.from(
      { length: rf },
      (_, k) => this.brokers[(start + k) % this.brokers.length] ?? first,
    );
    if (!replicas.includes(first) && first >= 0) replicas[0] = first;
    return { partitionId: id, leader: first, replicas, isr: [...replicas] };
  }

  private topic(name: string): FakeTopic {
    const t = this.topics.get(name);
    if (!t) throw new UpstreamError('kafka', `UNKNOWN_TOPIC_OR_PARTITION: ${name}`, { retryable: false });
    return t;
  }

  private async enter(method: KafkaMethod, args: unknown[], { signal }: KafkaCallOptions): Promise<void> {
    this.calls.push({ method, args: structuredClone(args) });
    signal.throwIfAborted();
    const failure = this.failures.get(method)?.shift();
    if (failure) throw failure;
    if (this.hanging.has(method)) {
      await new Promise<never>((_, reject) =>
        signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
      );
    }
  }
}
