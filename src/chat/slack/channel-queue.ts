// Every write to a Slack channel goes through this queue. Per channel: one call at a time, paced
// by a rate budget (a token bucket per channel, shared by replicas through Redis), and — so an
// alert storm cannot build an unbounded backlog — what is waiting shrinks:
//  - calls with the same `key` coalesce: a pending edit is replaced by the newer one (the newest
//    state is all Slack needs to show), and every caller gets the one result;
//  - calls with the same `batch` name go together to the batch's runner (new incidents waiting
//    → one digest message).
// Edits (`low`) keep one token in reserve and let new messages pass them.
//
// Failures never hold a channel: a call Slack refused for a retryable reason (429, 5xx,
// timeout) steps aside with a capped, jittered backoff (Slack's Retry-After for a 429, which
// holds the whole channel, as Slack does) while the channel's other calls go on; only calls
// with the same `order` (one thread's replies) wait behind it. A single call is given up after
// `giveUpMs`; a root batch is never given up but goes back to the channel's pool of waiting
// roots, so the next digest carries its incidents. Channels never wait for each other. When
// Slack as a whole is unusable (a bad token), the queue is held until `release()`.
import type { Verdict } from './api-calls.js';
import {
  type BatchCall,
  type ChannelQueueOptions,
  type KeyedCall,
  type Lane,
  type Pending,
  pickNext,
  type RetryPolicy,
  SlackGaveUpError,
  SlackQueueClosedError,
} from './queue-parts.js';
import { LocalRateBudget, type RateBudget } from './rate-budget.js';

export type { BatchCall, ChannelQueueOptions, GiveUp, KeyedCall, RetryPolicy } from './queue-parts.js';
export { SlackGaveUpError, SlackQueueClosedError } from './queue-parts.js';

export class ChannelQueue {
  private readonly lanes = new Map<string, Lane>();
  private readonly maxBatch: number;
  private readonly now: () => number;
  private readonly budget: RateBudget;
  private readonly retry: RetryPolicy;
  private readonly random: () => number;
  private idleWaiters: (() => void)[] = [];
  private roomWaiters: { limit: number; resolve: () => void }[] = [];
  private held = false;
  private closed = false;
  /** Calls actually made (after coalescing), for metrics and benchmarks. */
  executed = 0;

  constructor(private readonly options: ChannelQueueOptions = {}) {
    const intervalMs = options.intervalMs ?? 1000;
    const burst = Math.max(1, options.burst ?? 3);
    this.maxBatch = options.maxBatch ?? 500;
    this.now = options.now ?? Date.now;
    this.budget = options.budget ?? new LocalRateBudget({ intervalMs, burst }, this.now);
    this.retry = { baseMs: 500, capMs: 5000, giveUpMs: 30_000, ...options.retry };
    this.random = options.random ?? Math.random;
  }

  enqueue<T>(channel: string, call: KeyedCall<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.closed) return reject(new SlackQueueClosedError());
      const lane = this.lane(channel);
      const waiter = { resolve: resolve as (v: unknown) => void, reject };
      const same = call.key === undefined ? undefined : lane.keyed.get(call.key);
      if (same) {
        same.run = call.run;
        same.waiters.push(waiter);
        return;
      }
      const pending: Pending = {
        key: call.key,
        low: call.low,
        order: call.order,
        run: call.run,
        waiters: [waiter],
        attempts: 0,
        notBefore: 0,
      };
      lane.pending.push(pending);
      if (call.key !== undefined) lane.keyed.set(call.key, pending);
      this.wake(channel, lane, !call.low);
    });
  }

  enqueueBatch<I, T>(channel: string, call: BatchCall<I, T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.closed) return reject(new SlackQueueClosedError());
      const lane = this.lane(channel);
      lane.pending.push({
        batch: call.batch,
        item: call.item,
        runBatch: call.runBatch as (items: unknown[]) => Promise<unknown[]>,
        waiters: [{ resolve: resolve as (v: unknown) => void, reject }],
        attempts: 0,
        notBefore: 0,
      });
      this.wake(channel, lane, true);
    });
  }

  /** After a 429: nothing more goes to this channel for `ms` (from any replica sharing the budget). */
  pause(channel: string, ms: number): void {
    void this.budget.pause(channel, ms);
  }

  /** Slack is unusable: calls wait (and coalesce) until release(). */
  hold(): void {
    this.held = true;
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    for (const [channel, lane] of this.lanes) this.wake(channel, lane, true);
  }

  get isHeld(): boolean {
    return this.held;
  }

  pendingCount(channel?: string): number {
    if (channel !== undefined) return this.lanes.get(channel)?.pending.length ?? 0;
    let n = 0;
    for (const l of this.lanes.values()) n += l.pending.length + (l.busy ? 1 : 0);
    return n;
  }

  /**
   * Resolves once fewer than `limit` calls wait (at once when that is so already, or once the
   * queue is closed). The reader of the incident stream awaits this between events, so an alert
   * storm waits in Redis — durable and shared — instead of in this process's memory.
   */
  waitBelow(limit: number): Promise<void> {
    if (this.closed || this.pendingCount() < limit) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push({ limit, resolve }));
  }

  /** Resolves when every lane is empty and idle (tests, benchmarks, shutdown). */
  idle(): Promise<void> {
    if (this.pendingCount() === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Shutdown: waits up to `graceMs` for what is queued to be written, then refuses the rest
   * (their callers see SlackQueueClosedError) and anything enqueued later.
   */
  async close(graceMs: number): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.idle(), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    this.closed = true;
    let dropped = 0;
    for (const lane of this.lanes.values()) {
      if (lane.timer) clearTimeout(lane.timer);
      lane.timer = undefined;
      lane.keyed.clear();
      for (const p of lane.pending.splice(0)) {
        dropped++;
        for (const w of p.waiters) w.reject(new SlackQueueClosedError());
      }
    }
    this.notifyIdle();
    return dropped;
  }

  private lane(channel: string): Lane {
    let lane = this.lanes.get(channel);
    if (!lane) {
      lane = { pending: [], keyed: new Map(), busy: false, timer: undefined, sleep: undefined };
      this.lanes.set(channel, lane);
    }
    return lane;
  }

  /**
   * A new call arrived. A sleeping lane is woken only when the call may change what happens:
   * after a backoff, or an urgent call while only edits (with their reserve) were waiting.
   */
  private wake(channel: string, lane: Lane, urgent: boolean): void {
    if (lane.busy || this.held || this.closed) return;
    if (lane.timer) {
      const s = lane.sleep;
      if (s?.kind === 'budget' && !(urgent && s.reserve > 0)) return;
      clearTimeout(lane.timer);
      lane.timer = undefined;
    }
    void this.runNext(channel, lane);
  }

  private sleep(channel: string, lane: Lane, ms: number, why: Lane['sleep']): void {
    if (lane.timer) clearTimeout(lane.timer);
    lane.sleep = why;
    lane.timer = setTimeout(
      () => {
        lane.timer = undefined;
        lane.sleep = undefined;
        void this.runNext(channel, lane);
      },
      Math.max(1, ms),
    );
  }

  private async runNext(channel: string, lane: Lane): Promise<void> {
    if (lane.busy || this.held || this.closed || lane.pending.length === 0) return;
    const first = pickNext(lane.pending, this.now());
    if ('wakeAt' in first) {
      if (Number.isFinite(first.wakeAt))
        this.sleep(channel, lane, first.wakeAt - this.now(), { kind: 'backoff' });
      return;
    }
    lane.busy = true;
    let wait: number;
    try {
      // An in-process budget answers at once: the first call of a burst goes without a tick.
      const taken = this.budget.take(channel, first.reserve);
      wait = typeof taken === 'number' ? taken : await taken;
    } catch {
      wait = 0; // budgets fall back by themselves; never let pacing stop delivery
    }
    if (wait > 0 || this.held || this.closed) {
      lane.busy = false;
      if (wait > 0 && !this.held && !this.closed)
        this.sleep(channel, lane, wait, { kind: 'budget', reserve: first.reserve });
      return;
    }
    // Calls may have arrived while the budget answered; the token goes to the most urgent.
    const chosen = pickNext(lane.pending, this.now());
    const index = 'index' in chosen ? chosen.index : first.index;
    const picked = lane.pending[index] as Pending;
    // A batch takes its waiting items oldest first (those back from a failed post included).
    const group =
      picked.batch === undefined ? lane.pending.splice(index, 1) : this.takeBatch(lane, picked.batch);
    const head = group[0] as Pending;
    if (head.key !== undefined && lane.keyed.get(head.key) === head) lane.keyed.delete(head.key);
    this.executed++;
    try {
      if (head.runBatch) {
        const results = await head.runBatch(group.map((p) => p.item));
        group.forEach((p, i) => {
          for (const w of p.waiters) w.resolve(results[i]);
        });
      } else {
        const result = await (head.run as () => Promise<unknown>)();
        for (const w of head.waiters) w.resolve(result);
      }
    } catch (err) {
      this.failed(channel, lane, group, err);
    }
    lane.busy = false;
    if (lane.pending.length > 0) {
      this.notifyRoom();
      this.wake(channel, lane, true);
    } else this.notifyIdle();
  }

  private failed(channel: string, lane: Lane, group: Pending[], err: unknown): void {
    const verdict: Verdict = this.options.classify?.(err) ?? { kind: 'fail', reason: String(err) };
    const head = group[0] as Pending;
    const rejectAll = (e: unknown) => {
      for (const p of group) for (const w of p.waiters) w.reject(e);
    };
    if (this.closed || verdict.kind === 'fail') {
      rejectAll(err);
      return;
    }
    if (verdict.kind === 'unavailable') {
      const newer = head.key === undefined ? undefined : lane.keyed.get(head.key);
      if (newer) newer.waiters.push(...head.waiters);
      else {
        lane.pending.unshift(...group);
        if (head.key !== undefined) lane.keyed.set(head.key, head);
      }
      this.held = true;
      this.options.onUnavailable?.(verdict.reason);
      return;
    }
    const now = this.now();
    let delay: number;
    if (verdict.rateLimited) {
      delay = verdict.afterMs ?? 1000;
      void this.budget.pause(channel, delay);
    } else {
      const attempts = Math.max(...group.map((p) => p.attempts)) + 1;
      for (const p of group) p.attempts = attempts;
      const ceiling = Math.min(this.retry.capMs, this.retry.baseMs * 2 ** (attempts - 1));
      // Full jitter, never below a tenth of the ceiling: replicas do not retry in step.
      delay = Math.max(verdict.afterMs ?? 0, ceiling * (0.1 + 0.9 * this.random()));
    }
    const retrying = () =>
      this.options.onRetry?.({ channel, delayMs: delay, attempts: head.attempts, reason: verdict.reason });
    if (head.batch !== undefined) {
      // Roots are never given up: back to the pool, where the next digest takes them along.
      retrying();
      for (const p of group) p.notBefore = now + delay;
      lane.pending.unshift(...group);
      return;
    }
    head.failingSince ??= now;
    if (now + delay - head.failingSince > this.retry.giveUpMs) {
      this.options.onGiveUp?.({ channel, reason: verdict.reason, attempts: head.attempts, key: head.key });
      const newer = head.key === undefined ? undefined : lane.keyed.get(head.key);
      // A newer edit of the same message is waiting: it carries this one's content.
      if (newer) newer.waiters.push(...head.waiters);
      else rejectAll(new SlackGaveUpError(verdict.reason, head.attempts));
      return;
    }
    retrying();
    head.notBefore = now + delay;
    const newer = head.key === undefined ? undefined : lane.keyed.get(head.key);
    if (newer) newer.waiters.push(...head.waiters);
    else {
      lane.pending.unshift(head);
      if (head.key !== undefined) lane.keyed.set(head.key, head);
    }
  }

  private notifyRoom(): void {
    if (this.roomWaiters.length === 0) return;
    const pending = this.closed ? 0 : this.pendingCount();
    const ready = this.roomWaiters.filter((w) => pending < w.limit);
    if (ready.length === 0) return;
    this.roomWaiters = this.roomWaiters.filter((w) => pending >= w.limit);
    for (const w of ready) w.resolve();
  }

  private notifyIdle(): void {
    this.notifyRoom();
    if (this.pendingCount() !== 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private takeBatch(lane: Lane, batch: string): Pending[] {
    const taken: Pending[] = [];
    lane.pending = lane.pending.filter((p) => {
      if (p.batch !== batch || taken.length >= this.maxBatch) return true;
      taken.push(p);
      return false;
    });
    return taken;
  }
}
