// Appending to the hash chain. SHA-256 is not available in Redis' Lua, so hashes are computed
// here and the write is a compare-and-set: one Lua script checks that the chain's head is
// still the hash we chained to and XADDs in the same step; if another replica appended first,
// it returns the new head and we recompute and retry.
//
// Within one process, appends queue up and go out in batches (one script call chains up to
// BATCH entries), so an alert storm costs one round trip per batch instead of N racing CAS
// attempts that mostly lose; only other replicas can make a batch retry.
//
// The script chains to the head pointer (not to whatever the stream's last entry is), so a
// removed tail shows up as a gap in the chain once the next entry is appended.
import type { Redis } from 'ioredis';
import { StoreUnavailableError } from '../errors.js';
import { CanonicalText, canonicalJson } from './canonical-json.js';
import { hashRecord } from './hash.js';
import { luaScript, runLua } from './lua.js';
import { type AuditRecord, GENESIS_HASH } from './types.js';

// KEYS: stream, head. ARGV: expected prev, genesis, final hash, n, then per entry: k, k fields.
const APPEND = luaScript(`
local prev = redis.call('HGET', KEYS[2], 'hash')
if not prev then
  prev = ARGV[2]
  local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
  if #last > 0 then
    local fields = last[1][2]
    for i = 1, #fields, 2 do
      if fields[i] == 'hash' then prev = fields[i + 1] end
    end
  end
end
if prev ~= ARGV[1] then return {0, prev} end
local ids = {}
local at = 5
for e = 1, tonumber(ARGV[4]) do
  local k = tonumber(ARGV[at])
  ids[e] = redis.call('XADD', KEYS[1], '*', unpack(ARGV, at + 1, at + k))
  at = at + k + 1
end
redis.call('HSET', KEYS[2], 'hash', ARGV[3], 'id', ids[#ids])
redis.call('HINCRBY', KEYS[2], 'count', #ids)
return {1, unpack(ids)}
`);

const BATCH = 100;
const MAX_TRIES = 50;

/**
 * A record with its details already in canonical JSON (serialised once: the same text is
 * hashed and stored), or a function that builds a record from the hash it will chain to: a
 * signed checkpoint must name the head it follows, which is only known at write time (and
 * changes on a retry).
 */
export type RecordSource = PreparedRecord | ((prevHash: string) => AuditRecord);

export interface PreparedRecord {
  record: AuditRecord;
  /** canonicalJson(record.details). */
  detailsJson: string;
}

export interface Link {
  id: string;
  prevHash: string;
  hash: string;
}

interface Pending {
  record: RecordSource;
  resolve(link: Link & { record: AuditRecord }): void;
  reject(err: unknown): void;
}

export class ChainAppender {
  private readonly pending: Pending[] = [];
  private draining = false;
  /** The head after our own last write: right on the first try unless another replica wrote. */
  private lastHash = GENESIS_HASH;

  constructor(
    private readonly redis: Redis,
    private readonly streamKey: string,
    private readonly headKey: string,
  ) {}

  append(record: RecordSource): Promise<Link & { record: AuditRecord }> {
    return new Promise((resolve, reject) => {
      this.pending.push({ record, resolve, reject });
      if (this.draining) return;
      this.draining = true;
      // After the current tick: appends made together (an event's entries, a read batch of
      // events) leave in one script call instead of the first alone.
      queueMicrotask(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, BATCH);
        try {
          const links = await this.write(batch.map((p) => p.record));
          for (const [i, p] of batch.entries()) p.resolve(links[i] as Link & { record: AuditRecord });
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private async write(sources: RecordSource[]): Promise<(Link & { record: AuditRecord })[]> {
    let prev = this.lastHash;
    for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
      const links: (Omit<Link, 'id'> & { record: AuditRecord })[] = [];
      const args: (string | number)[] = [];
      let head = prev;
      for (const source of sources) {
        const record = typeof source === 'function' ? source(head) : source.record;
        const detailsJson = typeof source === 'function' ? canonicalJson(record.details) : source.detailsJson;
        const hash = hashRecord(head, { ...record, details: new CanonicalText(detailsJson) as never });
        const fields = toFields(record, detailsJson, head, hash);
        args.push(fields.length, ...fields);
        links.push({ prevHash: head, hash, record });
        head = hash;
      }
      const res = (await runLua(
        this.redis,
        APPEND,
        [this.streamKey, this.headKey],
        [prev, GENESIS_HASH, head, sources.length, ...args],
      )) as [number, ...string[]];
      if (res[0] === 1) {
        this.lastHash = head;
        return links.map((l, i) => ({ ...l, id: res[i + 1] as string }));
      }
      prev = res[1] as string;
    }
    throw new StoreUnavailableError(`audit append lost the race ${MAX_TRIES} times`);
  }
}

function toFields(record: AuditRecord, detailsJson: string, prev: string, hash: string): string[] {
  const fields = ['time', record.time, 'actor', record.actor, 'event', record.event];
  if (record.incident) fields.push('incident', record.incident);
  if (record.proposal) fields.push('proposal', record.proposal);
  fields.push('details', detailsJson, 'prev', prev, 'hash', hash);
  return fields;
}
