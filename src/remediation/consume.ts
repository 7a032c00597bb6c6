// Reads the remediation outbox through a consumer group until `signal` aborts: each event goes
// to one consumer of the group, is acknowledged after its handler succeeds, and is claimed by
// another consumer if its replica died before acknowledging. Handlers should be idempotent by
// `streamId`.
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { parseRemediationEvent, type RemediationEvent, remediationEventsKey } from './events.js';

export interface ConsumeRemediationEventsOptions {
  /** Duplicated for the blocking read; the caller's client is not tied up. */
  redis: Redis;
  prefix?: string;
  /** One group per kind of reader, e.g. "chat". */
  group: string;
  /** This replica's name within the group. */
  consumer: string;
  /** Throw to leave the event pending (retried after claimIdleMs). */
  handler: (event: RemediationEvent & { streamId: string }) => Promise<void> | void;
  signal: AbortSignal;
  /**
   * Where a new group starts: "0" (default: every event still in the bounded stream, so a group
   * created after the worker wrote results still gets them) or "$" (only events from now on).
   */
  startId?: string;
  blockMs?: number;
  claimIdleMs?: number;
  log?: Logger;
}

type Entry = [id: string, fields: string[] | null];

export async function consumeRemediationEvents(options: ConsumeRemediationEventsOptions): Promise<void> {
  const { group, consumer, signal } = options;
  const key = remediationEventsKey(options.prefix ?? 'perfbot:');
  const conn = options.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
  conn.on('error', () => {}); // surfaced by the failing commands below
  const stop = () => conn.disconnect();
  signal.addEventListener('abort', stop, { once: true });

  const handle = async (entries: Entry[]) => {
    for (const [id, fields] of entries) {
      if (signal.aborted) return;
      const at = fields ? fields.indexOf('event') : -1;
      const json = at >= 0 && at % 2 === 0 ? fields?.[at + 1] : undefined;
      let event: RemediationEvent | undefined;
      try {
        event = json === undefined ? undefined : parseRemediationEvent(json);
      } catch (err) {
        options.log?.error({ err, streamId: id }, 'unreadable remediation event skipped');
      }
      if (event) await options.handler({ ...event, streamId: id });
      await conn.xack(key, group, id);
    }
  };

  try {
    let backoff = 100;
    while (!signal.aborted) {
      try {
        await conn.xgroup('CREATE', key, group, options.startId ?? '0', 'MKSTREAM').catch((err: Error) => {
          if (!err.message.startsWith('BUSYGROUP')) throw err;
        });
        for (;;) {
          if (signal.aborted) return;
          const [, claimed] = (await conn.xautoclaim(
            key,
            group,
            consumer,
            options.claimIdleMs ?? 60_000,
            '0-0',
            'COUNT',
            50,
          )) as [string, Entry[]];
          await handle(claimed);
          const res = (await conn.xreadgroup(
            'GROUP',
            group,
            consumer,
            'COUNT',
            50,
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
        options.log?.warn({ err, group, consumer }, 'remediation event consumer retrying');
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  } finally {
    signal.removeEventListener('abort', stop);
    conn.disconnect();
  }
}
