// Trims the start of the trail through the last entry of an exported segment, and only that:
// the script checks that the trail still starts where the segment starts and that the
// segment's last entry is in the stream with the same hash, then XTRIMs up to it and moves the
// base pointer `<prefix>audit:base` to it — signed with the key, so the shortened trail stays
// verifiable (verify.ts) and nobody without the key can fake a trim to hide a deletion.
import { ErrorCode, PerfbotError } from '../errors.js';
import { luaScript, runLua } from './lua.js';
import { baseMessage, type SegmentSummary, signWith } from './signed.js';
import type { AuditTrail } from './trail.js';
import { GENESIS_HASH } from './types.js';

// KEYS: stream, base. ARGV: prevHash, lastId, lastHash, minId (just after lastId), time, alg,
// key, sig, genesis.
const TRIM = luaScript(`
local start = redis.call('HGET', KEYS[2], 'hash') or ARGV[9]
if start ~= ARGV[1] then return {0, 'the trail no longer starts where the segment starts (trimmed meanwhile?)'} end
local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
if #first == 0 then return {0, 'the trail is empty'} end
local function field(entry, name)
  local f = entry[2]
  for i = 1, #f, 2 do if f[i] == name then return f[i + 1] end end
  return nil
end
if field(first[1], 'prev') ~= ARGV[1] then return {0, 'the first entry does not chain to the segment start'} end
local last = redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])
if #last == 0 or field(last[1], 'hash') ~= ARGV[3] then
  return {0, 'the segment does not match the trail (its last entry is missing or differs)'}
end
local n = redis.call('XTRIM', KEYS[1], 'MINID', ARGV[4])
local total = redis.call('HINCRBY', KEYS[2], 'count', n)
redis.call('HSET', KEYS[2], 'hash', ARGV[3], 'id', ARGV[2], 'time', ARGV[5])
if ARGV[8] ~= '' then
  redis.call('HSET', KEYS[2], 'alg', ARGV[6], 'key', ARGV[7], 'sig', ARGV[8])
else
  redis.call('HDEL', KEYS[2], 'alg', 'key', 'sig')
end
return {1, n, total}
`);

/** The smallest stream ID after `id` (XTRIM MINID keeps IDs ≥ it). */
export function nextStreamId(id: string): string {
  const [ms, seq] = id.split('-');
  return `${ms}-${(BigInt(seq ?? '0') + 1n).toString()}`;
}

export interface TrimResult {
  trimmed: number;
  /** Entries trimmed since the trail began. */
  totalTrimmed: number;
}

/** Trims exactly the entries the segment holds; throws (nothing trimmed) if the trail moved on. */
export async function trimThrough(
  trail: AuditTrail,
  segment: SegmentSummary,
  time: Date,
): Promise<TrimResult> {
  const signature = trail.key?.canSign
    ? signWith(trail.key, baseMessage(segment.lastHash, segment.lastId))
    : { alg: '', key: '', sig: '' };
  const res = (await runLua(
    trail.redis,
    TRIM,
    [trail.streamKey, trail.baseKey],
    [
      segment.prevHash,
      segment.lastId,
      segment.lastHash,
      nextStreamId(segment.lastId),
      time.toISOString(),
      signature.alg,
      signature.key,
      signature.sig,
      GENESIS_HASH,
    ],
  )) as [number, string | number, number?];
  if (res[0] !== 1) {
    throw new PerfbotError(ErrorCode.InvalidInput, `not trimmed: ${String(res[1])}`);
  }
  return { trimmed: Number(res[1]), totalTrimmed: Number(res[2]) };
}
