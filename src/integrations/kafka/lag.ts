// Consumer-lag arithmetic, kept pure so that its edge cases are tested without a broker.
// Offsets are int64 on the wire (strings in kafkajs); BigInt keeps them exact.
import type { CommittedTopicOffsets, PartitionWatermarks } from './port.js';

export type LagNote = 'no-commit' | 'behind-retention' | 'ahead-of-log-end';

export interface PartitionLag {
  topic: string;
  partition: number;
  /** null when the group never committed on this partition */
  committed: string | null;
  low: string;
  high: string;
  lag: number;
  note?: LagNote;
}

/**
 * Messages the group still has to read on one partition.
 * - no committed offset (-1): the group will start at the log start, so the backlog is
 *   high − low (not high − 0: compacted or retention-truncated topics have low > 0);
 * - committed below the log start: those messages are gone; what is left to read is high − low;
 * - committed above the log end (the log was truncated or recreated): clamp to 0.
 */
export function partitionLag(
  committed: string | null,
  low: string,
  high: string,
): { lag: bigint; note?: LagNote } {
  const lo = BigInt(low);
  const hi = BigInt(high);
  if (committed === null || BigInt(committed) < 0n) return { lag: max0(hi - lo), note: 'no-commit' };
  const c = BigInt(committed);
  if (c > hi) return { lag: 0n, note: 'ahead-of-log-end' };
  if (c < lo) return { lag: max0(hi - lo), note: 'behind-retention' };
  return { lag: hi - c };
}

function max0(n: bigint): bigint {
  return n < 0n ? 0n : n;
}

/**
 * Joins committed offsets with watermarks. The watermarks list is authoritative for which
 * partitions exist: partitions added after the group last committed have no commit yet.
 * Result is sorted by lag, largest first (ties by topic, partition).
 */
export function computeLag(
  committed: CommittedTopicOffsets[],
  watermarks: ReadonlyMap<string, PartitionWatermarks[]>,
): PartitionLag[] {
  const commits = new Map<string, string>();
  for (const t of committed)
    for (const p of t.partitions) commits.set(`${t.topic}\u0000${p.partition}`, p.offset);
  const rows: PartitionLag[] = [];
  for (const [topic, partitions] of watermarks) {
    for (const w of partitions) {
      const raw = commits.get(`${topic}\u0000${w.partition}`);
      const c = raw === undefined || BigInt(raw) < 0n ? null : raw;
      const { lag, note } = partitionLag(c, w.low, w.high);
      rows.push({
        topic,
        partition: w.partition,
        committed: c,
        low: w.low,
        high: w.high,
        lag: Number(lag),
        ...(note ? { note } : {}),
      });
    }
  }
  return rows.sort((a, b) => b.lag - a.lag || a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

export function totalLag(rows: readonly PartitionLag[]): number {
  return rows.reduce((sum, r) => sum + r.lag, 0);
}
