// kafka.topic: a topic's partition count, or how evenly its partition leaders spread over the
// brokers (one broker leading most partitions takes most of the produce and fetch load).

import type { CheckDefinition, Measurement } from '../../diagnostics/types.js';
import { UpstreamError } from '../../errors.js';
import { assertKafkaName } from './names.js';
import type { KafkaPort, TopicMetadata } from './port.js';

export const topicCheck: CheckDefinition<'kafka.topic', KafkaPort> = {
  kind: 'kafka.topic',
  backend: 'kafka',
  async run(ctx, port): Promise<Measurement> {
    const topic = assertKafkaName('topic', ctx.params.topic);
    const meta = await readTopic(port, topic, ctx.signal);
    return ctx.params.measure === 'partitions' ? partitions(meta) : leaderSkew(meta);
  },
};

export async function readTopic(port: KafkaPort, topic: string, signal: AbortSignal): Promise<TopicMetadata> {
  const found = (await port.fetchTopicMetadata([topic], { signal })).find((t) => t.name === topic);
  if (!found) throw new UpstreamError('kafka', `topic ${topic} not found`, { retryable: false });
  return found;
}

function partitions(meta: TopicMetadata): Measurement {
  const count = meta.partitions.length;
  const rf = Math.max(0, ...meta.partitions.map((p) => p.replicas.length));
  const under = meta.partitions.filter((p) => p.isr.length < p.replicas.length).length;
  const underText = under > 0 ? `; ${under} under-replicated` : '';
  return {
    value: count,
    summary: `${meta.name} has ${count} partition${count === 1 ? '' : 's'} (replication factor ${rf})${underText}`,
    evidence: { counts: { partitions: count, replicationFactor: rf, underReplicated: under } },
  };
}

/**
 * value = most leaderships on one broker ÷ the even share (partitions ÷ brokers). 1 is perfectly
 * even; 2 means one broker leads twice its share. Brokers are those holding replicas of the
 * topic: the port has no cluster-wide broker list, and brokers without replicas could not lead.
 */
export function leaderSkew(meta: TopicMetadata): Measurement {
  const brokers = new Map<number, { leaders: number; replicas: number }>();
  for (const p of meta.partitions) {
    for (const r of p.replicas) {
      const b = brokers.get(r) ?? { leaders: 0, replicas: 0 };
      b.replicas += 1;
      brokers.set(r, b);
    }
  }
  let offline = 0;
  for (const p of meta.partitions) {
    const b = p.leader >= 0 ? brokers.get(p.leader) : undefined;
    if (b) b.leaders += 1;
    else if (p.leader < 0) offline += 1;
    else brokers.set(p.leader, { leaders: 1, replicas: 0 });
  }
  const led = meta.partitions.length - offline;
  const rows = [...brokers.entries()]
    .map(([broker, b]) => ({ broker, leaders: b.leaders, replicas: b.replicas }))
    .sort((a, b) => b.leaders - a.leaders || a.broker - b.broker);
  const top = rows[0];
  if (!top || led === 0) {
    return {
      summary: `${meta.name}: no partition has a leader (${offline} offline)`,
      evidence: { rows, counts: { partitions: meta.partitions.length, offline } },
      ...(offline > 0 ? { status: 'critical' as const } : {}),
    };
  }
  const ideal = meta.partitions.length / rows.length;
  const value = Math.round((top.leaders / ideal) * 100) / 100;
  const offlineText =
    offline > 0 ? `; ${offline} partition${offline === 1 ? '' : 's'} offline (no leader)` : '';
  return {
    value,
    summary: `${meta.name}: broker ${top.broker} leads ${top.leaders} of ${meta.partitions.length} partitions (even share ${round(ideal)} over ${rows.length} brokers)${offlineText}`,
    evidence: { rows, counts: { partitions: meta.partitions.length, brokers: rows.length, offline } },
    // An offline partition is an outage for its keys whatever the skew threshold says.
    ...(offline > 0 ? { status: 'critical' as const } : {}),
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
