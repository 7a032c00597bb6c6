// Reads a Redis Stream outbox through a consumer group until `signal` aborts: each entry goes to
// one consumer of the group, is acknowledged after its handler succeeds, and is claimed by
// another consumer if its replica died before acknowledging (XAUTOCLAIM). Shared by the incident
// and remediation outboxes; handlers should be idempotent by stream id.
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';

export interface StreamConsumerOptions<T> {
  /** Duplicated for the blocking read; the caller's client is not tied up. */
  redis: Redis;
  key: string;
  /** One group per kind of reader ("chat", "audit"). */
  group: string;
  /** This replica's name within the group (hostname, pod name). */
  consumer: string;
  /** Decodes the entry's `event` field; a throw logs and skips the entry. */
  parse: (streamId: string, json: string) => T;
  /** Throw to leave the entry pending: it is retried (claimed) after `claimIdleMs`. */
  handler: (event: T) => Promise<void> | void;
  /**
   * Start the handlers of one read batch in order without waiting for each other, and
   * acknowledge each that succeeded: for handlers whose work batches (the audit recorder's
   * appends go out as one script call). A failed one stays pending and is claimed again after
   * `claimIdleMs`, so it may then land after entries that followed it.
   */
  concurrent?: boolean;
  signal: AbortSignal;
  /** Where a new group starts: "0" (everything still in the stream) or "$" (new entries only). */
  startId?: string;
  blockMs?: number;
  count?: number;
  /** A pending entry idle this long belonged to a consumer that died: take it over. */
  claimIdleMs?: number;
  log?: Logger;
  /** Names the stream in log lines. */
  what: string;
}

type Entry = [id: string, fields: string[] | null];

export async function consumeStream<T>(options: StreamConsumerOptions<T>): Promise<void> {
  const { key, group, consumer, signal } = options;
  const count = options.count ?? 50;
  // XREADGROUP BLOCK holds its connection, so it gets its own; it waits out Redis restarts.
  const conn = options.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
  conn.on('error', () => {}); // surfaced by the failing commands below
  const stop = () => conn.disconnect();
  signal.addEventListener('abort', stop, { once: true });

  // One XACK per read batch, not per entry (a round trip each, and the outbox carries several
  // events per webhook request): the entries handled so far are acknowledged together, also
  // when a handler throws, so only the failing entry and those after it stay pending. A replica
  // that dies mid-batch leaves the handled ones pending too; they are handed out again, which
  // handlers tolerate (idempotent by stream id).
  const decode = (id: string, fields: string[] | null): T | undefined => {
    const json = fields ? fieldValue(fields, 'event') : undefined;
    try {
      return json === undefined ? undefined : options.parse(id, json);
    } catch (err) {
      options.log?.error({ err, streamId: id, stream: options.what }, 'unreadable stream entry skipped');
      return undefined;
    }
  };

  const handle = async (entries: Entry[]) => {
    if (options.concurrent) return handleTogether(entries);
    const done: string[] = [];
    try {
      for (const [id, fields] of entries) {
        if (signal.aborted) return;
        const event = decode(id, fields);
        if (event !== undefined) await options.handler(event); // a throw leaves it pending
        done.push(id);
      }
    } finally {
      // After an abort the connection is gone: what was not acknowledged is simply handed out again.
      if (done.length > 0 && !signal.aborted) await conn.xack(key, group, ...done);
    }
  };

  const handleTogether = async (entries: Entry[]) => {
    if (signal.aborted || entries.length === 0) return;
    const results = await Promise.allSettled(
      entries.map(async ([id, fields]) => {
        const event = decode(id, fields);
        if (event !== undefined) await options.handler(event);
      }),
    );
    const done = entries.filter((_, i) => results[i]?.status === 'fulfilled').map(([id]) => id);
    if (done.length > 0 && !signal.aborted) await conn.xack(key, group, ...done);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason; // the consumer logs it and retries after a pause
  };

  // A command queued while Redis is away is never settled by disconnect() (ioredis keeps its
  // offline queue once no reconnect is pending), so stopping must not wait for it.
  const aborted = new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });

  const claimIdleMs = options.claimIdleMs ?? 60_000;
  const claimEvery = Math.min(claimIdleMs / 2, 1000);
  let lastClaim = Number.NEGATIVE_INFINITY;
  const run = async () => {
    let backoff = 100;
    while (!signal.aborted) {
      try {
        await ensureGroup(conn, key, group, options.startId ?? '0');
        for (;;) {
          if (signal.aborted) return;
          // Claiming is a round trip of its own: under load (a read every few ms) look for
          // orphans at most every claimEvery (≤ 1 s), not before every read; an orphan then
          // waits at most claimIdleMs + claimEvery. Always at start: what a dead replica left.
          if (performance.now() - lastClaim >= claimEvery) {
            lastClaim = performance.now();
            const [, claimed] = (await conn.xautoclaim(
              key,
              group,
              consumer,
              claimIdleMs,
              '0-0',
              'COUNT',
              count,
            )) as [string, Entry[]];
            await handle(claimed);
          }
          const res = (await conn.xreadgroup(
            'GROUP',
            group,
            consumer,
            'COUNT',
            count,
            'BLOCK',
            options.blockMs ?? 5000,
            'STREAMS',
            key,
            '>',
          )) as [string, Entry[]][] | null;
          for (const [, entries] of res ?? []) await handle(entries);
          backoff = 100;
        }
      } catch (err) {
        if (signal.aborted) return;
        options.log?.warn({ err, group, consumer, stream: options.what }, 'stream consumer retrying');
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  };

  try {
    await Promise.race([run(), aborted]);
  } finally {
    signal.removeEventListener('abort', stop);
    conn.disconnect();
  }
}

async function ensureGroup(conn: Redis, key: string, group: string, startId: string): Promise<void> {
  try {
    await conn.xgroup('CREATE', key, group, startId, 'MKSTREAM');
  } catch (err) {
    if (!String((err as Error).message).startsWith('BUSYGROUP')) throw err;
  }
}

function fieldValue(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}
