// The parts of the channel queue (channel-queue.ts) that are data, not scheduling: what a call
// looks like, the options, the errors callers see, and which waiting call goes next.
import type { Verdict } from './api-calls.js';
import type { RateBudget } from './rate-budget.js';

export interface KeyedCall<T> {
  key?: string | undefined;
  /** Edits whose newest state is all that matters; new messages overtake them. */
  low?: boolean | undefined;
  /** Calls with the same order key keep their order even across retries (a thread's replies). */
  order?: string | undefined;
  run: () => Promise<T>;
}

export interface BatchCall<I, T> {
  batch: string;
  item: I;
  /** Called with pending items of the batch (at most `maxBatch`); one result per item. */
  runBatch: (items: I[]) => Promise<T[]>;
}

export interface RetryPolicy {
  /** First backoff (doubled per failure, full jitter). */
  baseMs: number;
  /** No backoff is longer than this: a recovered Slack is noticed within it. */
  capMs: number;
  /** A single call is abandoned once its failures have lasted this long. */
  giveUpMs: number;
}

export interface GiveUp {
  channel: string;
  reason: string;
  attempts: number;
  key?: string | undefined;
}

export interface ChannelQueueOptions {
  /** One call per this many ms in the long run (default 1000: Slack's 1 message/s). */
  intervalMs?: number;
  /** Calls that may go at once after a quiet spell (default 3). */
  burst?: number;
  /** Most incidents one digest root takes (default 500). */
  maxBatch?: number;
  now?: () => number;
  /** Shared budget (Redis); an in-process bucket built from intervalMs/burst by default. */
  budget?: RateBudget;
  /** Reads a failed call's error; without it every failure is final. */
  classify?: (err: unknown) => Verdict;
  retry?: Partial<RetryPolicy>;
  random?: () => number;
  /** Slack is unusable (the verdict said so): the queue is now held. */
  onUnavailable?: (reason: string) => void;
  onGiveUp?: (g: GiveUp) => void;
  /** A call failed and will be tried again after `delayMs`. */
  onRetry?: (r: { channel: string; delayMs: number; attempts: number; reason: string }) => void;
}

export class SlackGaveUpError extends Error {
  constructor(
    readonly reason: string,
    readonly attempts: number,
  ) {
    super(`Slack did not take the message (${reason}); gave up after ${attempts} attempts`);
    this.name = 'SlackGaveUpError';
  }
}

export class SlackQueueClosedError extends Error {
  constructor() {
    super('perfbot is shutting down: message not sent to Slack');
    this.name = 'SlackQueueClosedError';
  }
}

export interface Waiter {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export interface Pending {
  key?: string | undefined;
  low?: boolean | undefined;
  order?: string | undefined;
  batch?: string | undefined;
  item?: unknown;
  run?: () => Promise<unknown>;
  runBatch?: (items: unknown[]) => Promise<unknown[]>;
  waiters: Waiter[];
  attempts: number;
  /** When this call's failures began (give-up clock). */
  failingSince?: number | undefined;
  notBefore: number;
}

export interface Lane {
  pending: Pending[];
  /** The pending call of each key (coalescing without a scan of a long backlog). */
  keyed: Map<string, Pending>;
  /** A call (or the budget check before it) is under way. */
  busy: boolean;
  timer: NodeJS.Timeout | undefined;
  /** Why the lane sleeps: a token it waits for (with this reserve) or a backoff. */
  sleep: { kind: 'budget'; reserve: number } | { kind: 'backoff' } | undefined;
}

/** The next call a lane may make now: urgent before edits, a thread's replies in order. */
export function pickNext(
  pending: readonly Pending[],
  now: number,
): { index: number; reserve: number } | { wakeAt: number } {
  let low = -1;
  let wakeAt = Number.POSITIVE_INFINITY;
  const blocked = new Set<string>();
  for (let i = 0; i < pending.length; i++) {
    const p = pending[i] as Pending;
    if (p.order !== undefined) {
      if (blocked.has(p.order)) continue;
      blocked.add(p.order);
    }
    if (p.notBefore > now) {
      wakeAt = Math.min(wakeAt, p.notBefore);
      continue;
    }
    if (!p.low) return { index: i, reserve: 0 };
    if (low < 0) low = i;
  }
  if (low >= 0) return { index: low, reserve: 1 };
  return { wakeAt };
}
