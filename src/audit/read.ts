// Reading the trail back from Redis: stream entries, the head pointer and the base pointer
// (where the trail starts after retention trimmed its beginning; trim.ts).
import type { Redis } from 'ioredis';
import type { AuditEntry, AuditRecord } from './types.js';
import type { BasePointer, HeadPointer } from './verify.js';

const PAGE = 500;

export type RawEntry = [id: string, fields: string[]];

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

/** Every entry from `start` to `end` (inclusive) in order, a page at a time. */
export async function* scanStream(
  redis: Redis,
  key: string,
  start = '-',
  end = '+',
): AsyncGenerator<AuditEntry> {
  let from = start;
  for (;;) {
    const page = (await redis.xrange(key, from, end, 'COUNT', PAGE)) as RawEntry[];
    for (const raw of page) yield parseEntry(raw);
    if (page.length < PAGE) return;
    from = `(${(page[page.length - 1] as RawEntry)[0]}`;
  }
}

/** Newest first, from `end` (inclusive). */
export async function* scanStreamBackwards(redis: Redis, key: string): AsyncGenerator<AuditEntry> {
  let end = '+';
  for (;;) {
    const page = (await redis.xrevrange(key, end, '-', 'COUNT', PAGE)) as RawEntry[];
    for (const raw of page) yield parseEntry(raw);
    if (page.length < PAGE) return;
    end = `(${(page[page.length - 1] as RawEntry)[0]}`;
  }
}

export async function readHead(redis: Redis, key: string): Promise<HeadPointer> {
  const head = await redis.hgetall(key);
  return {
    hash: head.hash,
    id: head.id,
    count: head.count === undefined ? undefined : Number(head.count),
  };
}

export async function readBase(redis: Redis, key: string): Promise<BasePointer | undefined> {
  const b = await redis.hgetall(key);
  if (!b.hash || !b.id) return undefined;
  return {
    hash: b.hash,
    id: b.id,
    count: Number(b.count ?? 0),
    ...(b.time ? { time: b.time } : {}),
    ...(b.sig ? { sig: b.sig, alg: b.alg ?? '', key: b.key ?? '' } : {}),
  };
}
