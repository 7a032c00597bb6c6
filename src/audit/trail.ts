// The audit trail: an append-only Redis Stream `<prefix>audit` whose entries form a hash chain,
// plus a head pointer `<prefix>audit:head` {hash, id, count}. Each entry stores the previous
// entry's hash and its own: sha256(prevHash + canonicalJson(record)).
//
// SHA-256 is not available inside Redis' Lua, so the hash is computed here and the append is a
// compare-and-set: one Lua script checks that the chain's head is still the hash we chained to
// and XADDs in the same step; if another replica appended first, it returns the new head and
// we recompute and retry. Chaining to the head pointer (not to whatever the stream's last entry
// is) means a removed tail shows up as a gap in the chain once the next entry is appended.
import type { Redis } from 'ioredis';
import { StoreUnavailableError } from '../errors.js';
import { type Logger, silentLogger } from '../log.js';
import { canonicalJson } from './canonical-json.js';
import { hashRecord } from './hash.js';
import { luaScript, runLua } from './lua.js';
import {
  type AuditEntry,
  type AuditInput,
  type AuditRecord,
  type AuditSink,
  GENESIS_HASH,
  type VerifyResult,
} from './types.js';
import { verifyEntries } from './verify.js';

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
local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 4))
redis.call('HSET', KEYS[2], 'hash', ARGV[3], 'id', id)
redis.call('HINCRBY', KEYS[2], 'count', 1)
return {1, id}
`);

const PAGE = 500;
const MAX_APPEND_TRIES = 50;

export interface AuditTrailOptions {
  redis: Redis;
  /** Key prefix, `perfbot:` by default; tests pass a unique one. */
  prefix?: string;
  log?: Logger;
  now?: () => Date;
}

export interface TrailFilter {
  incident?: string | undefined;
  proposal?: string | undefined;
  /** Only the last N matching entries. */
  limit?: number | undefined;
}

export class AuditTrail implements AuditSink {
  readonly streamKey: string;
  readonly headKey: string;
  private readonly redis: Redis;
  private readonly log: Logger;
  private readonly now: () => Date;
  /** The head after our own last append: right on the first try unless another replica wrote. */
  private lastHash: string = GENESIS_HASH;

  constructor(options: AuditTrailOptions) {
    const prefix = options.prefix ?? 'perfbot:';
    this.streamKey = `${prefix}audit`;
    this.headKey = `${prefix}audit:head`;
    this.redis = options.redis;
    this.log = options.log ?? silentLogger;
    this.now = options.now ?? (() => new Date());
  }

  async append(input: AuditInput): Promise<AuditEntry> {
    // Round-trip details through canonical JSON so what we hash is exactly what we store and
    // what verifyTrail will parse back (undefined dropped, NaN → null, Dates → strings).
    const details = JSON.parse(canonicalJson(input.details ?? {})) as AuditRecord['details'];
    const record: AuditRecord = {
      time: this.now().toISOString(),
      actor: input.actor,
      event: input.event,
      ...(input.incident ? { incident: input.incident } : {}),
      ...(input.proposal ? { proposal: input.proposal } : {}),
      details,
    };
    let prev = this.lastHash;
    for (let i = 0; i < MAX_APPEND_TRIES; i++) {
      const hash = hashRecord(prev, record);
      const fields = toFields(record, prev, hash);
      const [ok, value] = (await runLua(
        this.redis,
        APPEND,
        [this.streamKey, this.headKey],
        [prev, GENESIS_HASH, hash, ...fields],
      )) as [number, string];
      if (ok === 1) {
        this.lastHash = hash;
        const entry: AuditEntry = { ...record, id: value, prevHash: prev, hash };
        this.log.info({ audit: entry }, 'audit entry');
        return entry;
      }
      prev = value;
    }
    throw new StoreUnavailableError(`audit append lost the race ${MAX_APPEND_TRIES} times`);
  }

  /** Entries in order, optionally only those of one incident or proposal, optionally the last N. */
  async readTrail(filter: TrailFilter = {}): Promise<AuditEntry[]> {
    const matches = (e: AuditEntry) =>
      (filter.incident === undefined || e.incident === filter.incident) &&
      (filter.proposal === undefined || e.proposal === filter.proposal);
    if (filter.limit === undefined) {
      const out: AuditEntry[] = [];
      for await (const e of this.scan()) if (matches(e)) out.push(e);
      return out;
    }
    // Newest first until we have enough, so "the last 20" does not read the whole trail.
    const out: AuditEntry[] = [];
    let end = '+';
    while (out.length < filter.limit) {
      const page = (await this.redis.xrevrange(this.streamKey, end, '-', 'COUNT', PAGE)) as RawEntry[];
      for (const raw of page) {
        const e = parseEntry(raw);
        if (matches(e)) out.push(e);
        if (out.length >= filter.limit) break;
      }
      if (page.length < PAGE) break;
      end = `(${(page[page.length - 1] as RawEntry)[0]}`;
    }
    return out.reverse();
  }

  /** Walks the whole chain; returns the first bad entry and why, or the entry count. */
  async verifyTrail(): Promise<VerifyResult> {
    const head = await this.redis.hgetall(this.headKey);
    return verifyEntries(this.scan(), {
      hash: head.hash,
      id: head.id,
      count: head.count === undefined ? undefined : Number(head.count),
    });
  }

  private async *scan(): AsyncGenerator<AuditEntry> {
    let start = '-';
    for (;;) {
      const page = (await this.redis.xrange(this.streamKey, start, '+', 'COUNT', PAGE)) as RawEntry[];
      for (const raw of page) yield parseEntry(raw);
      if (page.length < PAGE) return;
      start = `(${(page[page.length - 1] as RawEntry)[0]}`;
    }
  }
}

type RawEntry = [id: string, fields: string[]];

function toFields(record: AuditRecord, prev: string, hash: string): string[] {
  const fields = ['time', record.time, 'actor', record.actor, 'event', record.event];
  if (record.incident) fields.push('incident', record.incident);
  if (record.proposal) fields.push('proposal', record.proposal);
  fields.push('details', canonicalJson(record.details), 'prev', prev, 'hash', hash);
  return fields;
}

/** Tolerates damaged entries (missing fields, bad JSON): verify must report them, not crash. */
export function parseEntry([id, list]: RawEntry): AuditEntry {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < list.length; i += 2) f[list[i] as string] = list[i + 1] as string;
  let details: AuditRecord['details'];
  try {
    const parsed: unknown = JSON.parse(f.details ?? '{}');
    details = parsed !== null && typeof parsed === 'object' ? (parsed as AuditRecord['details']) : {};
  } catch {
    details = { unparsable: f.details };
  }
  return {
    id,
    time: f.time ?? '',
    actor: f.actor ?? '',
    event: f.event ?? '',
    ...(f.incident ? { incident: f.incident } : {}),
    ...(f.proposal ? { proposal: f.proposal } : {}),
    details,
    prevHash: f.prev ?? '',
    hash: f.hash ?? '',
  };
}
