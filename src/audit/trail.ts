// The audit trail: an append-only Redis Stream `<prefix>audit` whose entries form a hash chain,
// plus a head pointer `<prefix>audit:head` {hash, id, count}. Each entry stores the previous
// entry's hash and its own: sha256(prevHash + canonicalJson(record)). How an append stays one
// chain across replicas is in append.ts; what verification does and does not catch, in verify.ts.
import type { Redis } from 'ioredis';
import { type Logger, silentLogger } from '../log.js';
import { ChainAppender } from './append.js';
import { canonicalJson } from './canonical-json.js';
import type { AuditEntry, AuditInput, AuditRecord, AuditSink, VerifyResult } from './types.js';
import { verifyEntries } from './verify.js';

const PAGE = 500;

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
  private readonly appender: ChainAppender;

  constructor(options: AuditTrailOptions) {
    const prefix = options.prefix ?? 'perfbot:';
    this.streamKey = `${prefix}audit`;
    this.headKey = `${prefix}audit:head`;
    this.redis = options.redis;
    this.log = options.log ?? silentLogger;
    this.now = options.now ?? (() => new Date());
    this.appender = new ChainAppender(this.redis, this.streamKey, this.headKey);
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
    const entry: AuditEntry = { ...record, ...(await this.appender.append(record)) };
    // The trail itself is the record (perfbot audit); a log line per entry is for debugging.
    this.log.debug({ audit: entry }, 'audit entry');
    return entry;
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
