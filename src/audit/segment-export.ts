// Exports the oldest part of the trail as a segment: NDJSON, one header line, one line per
// entry exactly as stored (so every hash recomputes), one trailer line signed with
// PERFBOT_AUDIT_KEY over (prevHash, lastHash, count, firstId, lastId) — signed.ts. Segments are
// how history outlives retention: `perfbot audit export --before DATE > file` by hand,
// retention.ts before it trims. `perfbot audit verify-file` checks them (segment-verify.ts).
//
// The trail is verified first and, with a key, a segment ends no later than the last signed
// checkpoint: signing an export must never launder entries the key has not vouched for.
import { createHash } from 'node:crypto';
import { ErrorCode, PerfbotError } from '../errors.js';
import { scanStream } from './read.js';
import { type SegmentSummary, segmentMessage, signWith } from './signed.js';
import type { AuditTrail } from './trail.js';
import type { AuditEntry } from './types.js';

export const SEGMENT_TYPE = 'perfbot-audit-segment';

export interface ExportOptions {
  /** Entries recorded before this time (their `time` field); the segment stops at the first later one. */
  before: Date;
  /** At most this many entries (retention cuts big ranges into several segments). */
  maxEntries?: number | undefined;
  now?: (() => Date) | undefined;
}

export interface ExportedSegment extends SegmentSummary {
  /** sha256 of every line written, hex: names the file in the trail's audit.trimmed entry. */
  sha256: string;
  signed: boolean;
}

/** One entry as a segment line: the stored fields, nothing derived. */
export function entryLine(e: AuditEntry): string {
  return JSON.stringify({
    type: 'entry',
    id: e.id,
    time: e.time,
    actor: e.actor,
    event: e.event,
    ...(e.incident ? { incident: e.incident } : {}),
    ...(e.proposal ? { proposal: e.proposal } : {}),
    details: e.details,
    prev: e.prevHash,
    hash: e.hash,
  });
}

/**
 * Writes the segment line by line through `write` (stdout, a file). Returns its summary, or
 * undefined when no entry qualifies (nothing is written then).
 */
export async function writeSegment(
  trail: AuditTrail,
  options: ExportOptions,
  write: (line: string) => void | Promise<void>,
): Promise<ExportedSegment | undefined> {
  const check = await trail.verifyTrail();
  if (!check.ok) {
    throw new PerfbotError(
      ErrorCode.InvalidInput,
      `the trail does not verify (entry ${check.problem.id}: ${check.problem.reason}); not exporting it`,
    );
  }
  // With a key, nothing past the last checkpoint: those entries are not signed yet.
  const end = trail.key ? check.signatures?.last?.id : undefined;
  if (trail.key && !end) return undefined;
  const before = options.before.toISOString();
  const max = options.maxEntries ?? Number.POSITIVE_INFINITY;
  const hash = createHash('sha256');
  const out = async (line: string) => {
    hash.update(`${line}\n`);
    await write(line);
  };
  let first: AuditEntry | undefined;
  let last: AuditEntry | undefined;
  let count = 0;
  for await (const e of scanStream(trail.redis, trail.streamKey, '-', end ?? '+')) {
    if (e.time >= before || count >= max) break;
    if (!first) {
      first = e;
      await out(
        JSON.stringify({
          type: SEGMENT_TYPE,
          version: 1,
          stream: trail.streamKey,
          prevHash: e.prevHash,
          before,
          exportedAt: (options.now ?? (() => new Date()))().toISOString(),
        }),
      );
    }
    await out(entryLine(e));
    last = e;
    count++;
  }
  if (!first || !last) return undefined;
  const summary: SegmentSummary = {
    prevHash: first.prevHash,
    firstId: first.id,
    lastId: last.id,
    lastHash: last.hash,
    count,
  };
  const key = trail.key?.canSign ? trail.key : undefined;
  const signature = key ? signWith(key, segmentMessage(summary)) : { alg: 'none' };
  await out(JSON.stringify({ type: 'end', ...summary, ...signature }));
  return { ...summary, sha256: hash.digest('hex'), signed: key !== undefined };
}
