// Reads the remediation outbox through a consumer group until `signal` aborts: each event goes
// to one consumer of the group, is acknowledged after its handler succeeds, and is claimed by
// another consumer if its replica died before acknowledging. Handlers should be idempotent by
// `streamId`.
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { consumeStream } from '../redis/stream-consumer.js';
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

export function consumeRemediationEvents(options: ConsumeRemediationEventsOptions): Promise<void> {
  return consumeStream({
    ...options,
    key: remediationEventsKey(options.prefix ?? 'perfbot:'),
    parse: (streamId, json) => ({ ...parseRemediationEvent(json), streamId }),
    what: 'remediation-events',
  });
}
