// kafka.consumer-lag: how far a consumer group is behind, per partition and in total.
import type { CheckDefinition, Measurement } from '../../diagnostics/types.js';
import { computeLag, type PartitionLag, totalLag } from './lag.js';
import { assertKafkaName } from './names.js';
import type { GroupDescription, KafkaPort, PartitionWatermarks } from './port.js';

/** Evidence keeps the worst partitions; the counts still cover all of them. */
const MAX_ROWS = 50;

export const consumerLagCheck: CheckDefinition<'kafka.consumer-lag', KafkaPort> = {
  kind: 'kafka.consumer-lag',
  backend: 'kafka',
  async run(ctx, port): Promise<Measurement> {
    const group = assertKafkaName('group', ctx.params.group);
    const topic = ctx.params.topic === undefined ? undefined : assertKafkaName('topic', ctx.params.topic);
    const opts = { signal: ctx.signal };

    const [committed, groups] = await Promise.all([
      port.fetchOffsets(topic ? { groupId: group, topics: [topic] } : { groupId: group }, opts),
      port.describeGroups([group], opts),
    ]);
    const description = groups.find((g) => g.groupId === group);
    const topics = topic ? [topic] : [...new Set(committed.map((t) => t.topic))].sort();
    if (topics.length === 0) {
      return { summary: `group ${group}${describe(description)} has no committed offsets` };
    }

    const watermarks = new Map<string, PartitionWatermarks[]>();
    const fetched = await Promise.all(topics.map((t) => port.fetchTopicOffsets(t, opts)));
    for (const [i, t] of topics.entries()) watermarks.set(t, fetched[i] ?? []);

    const rows = computeLag(committed, watermarks);
    const total = totalLag(rows);
    return {
      value: total,
      summary: summarize(group, description, rows, total),
      evidence: {
        rows: rows.slice(0, MAX_ROWS).map(toRow),
        counts: {
          partitions: rows.length,
          partitionsWithLag: rows.filter((r) => r.lag > 0).length,
          members: description?.members.length ?? 0,
        },
      },
    };
  },
};

function describe(g: GroupDescription | undefined): string {
  if (!g) return '';
  return ` (${g.state}, ${g.members.length} member${g.members.length === 1 ? '' : 's'})`;
}

function summarize(
  group: string,
  g: GroupDescription | undefined,
  rows: PartitionLag[],
  total: number,
): string {
  const worst = rows[0];
  const head = `group ${group}${describe(g)}: total lag ${fmt(total)} messages on ${rows.length} partition${rows.length === 1 ? '' : 's'}`;
  const tail = worst && worst.lag > 0 ? `; worst ${worst.topic}/${worst.partition} at ${fmt(worst.lag)}` : '';
  // A group with lag and nobody consuming will never catch up on its own: say so first.
  const idle = g && g.members.length === 0 && total > 0 ? '; no active consumers' : '';
  return `${head}${tail}${idle}`;
}

function toRow(r: PartitionLag): Record<string, string | number | null> {
  return {
    topic: r.topic,
    partition: r.partition,
    lag: r.lag,
    committed: r.committed,
    logStart: r.low,
    logEnd: r.high,
    note: r.note ?? null,
  };
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}
