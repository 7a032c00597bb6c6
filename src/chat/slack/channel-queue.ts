// Slack allows about one message per second per channel, with short bursts. Every write to a
// channel goes through this queue: a token bucket per channel (`burst` calls at once, one more
// every `intervalMs`), one call at a time, and — so an alert storm cannot build an unbounded
// backlog — what is waiting shrinks:
//  - calls with the same `key` coalesce: a pending update is replaced by the newer one (the
//    newest state is all Slack needs to show), and both callers get the one result;
//  - calls with the same `batch` name are handed over together to the batch's runner (e.g.
//    several new incidents waiting → one digest message).
// Edits (`low` priority: progress, counters) leave one token in reserve and let new messages
// pass them, so a report or a proposal is not stuck behind progress updates.
// A 429 pauses the channel for Retry-After (the WebClient itself retries the refused call).

export interface KeyedCall<T> {
  key?: string | undefined;
  /** Edits whose newest state is all that matters; new messages overtake them. */
  low?: boolean | undefined;
  run: () => Promise<T>;
}

export interface BatchCall<I, T> {
  batch: string;
  item: I;
  /** Called with every pending item of the batch (at most `maxBatch`); one result per item. */
  runBatch: (items: I[]) => Promise<T[]>;
}

interface Pending {
  key?: string | undefined;
  low?: boolean | undefined;
  batch?: string | undefined;
  item?: unknown;
  run?: () => Promise<unknown>;
  runBatch?: (items: unknown[]) => Promise<unknown[]>;
  waiters: { resolve: (v: unknown) => void; reject: (e: unknown) => void }[];
}

interface Lane {
  pending: Pending[];
  /** A call is being made. */
  busy: boolean;
  /** Sleeping until a token is there; a more urgent call arriving wakes the lane early. */
  timer: NodeJS.Timeout | undefined;
  tokens: number;
  refilledAt: number;
  /** Held back until then (a 429's Retry-After). */
  pausedUntil: number;
}

export interface ChannelQueueOptions {
  /** One call per this many ms in the long run (default 1000: Slack's 1 message/s). */
  intervalMs?: number;
  /** Calls that may go at once after a quiet spell (default 3). */
  burst?: number;
  maxBatch?: number;
  now?: () => number;
}

export class ChannelQueue {
  private readonly lanes = new Map<string, Lane>();
  private readonly intervalMs: number;
  private readonly burst: number;
  private readonly maxBatch: number;
  private readonly now: () => number;
  private idleWaiters: (() => void)[] = [];
  /** Calls actually made (after coalescing), for metrics and benchmarks. */
  executed = 0;

  constructor(options: ChannelQueueOptions = {}) {
    this.intervalMs = options.intervalMs ?? 1000;
    this.burst = Math.max(1, options.burst ?? 3);
    this.maxBatch = options.maxBatch ?? 25;
    this.now = options.now ?? Date.now;
  }

  enqueue<T>(channel: string, call: KeyedCall<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const lane = this.lane(channel);
      const waiter = { resolve: resolve as (v: unknown) => void, reject };
      const same = call.key === undefined ? undefined : lane.pending.find((p) => p.key === call.key);
      if (same) {
        same.run = call.run;
        same.waiters.push(waiter);
      } else {
        lane.pending.push({ key: call.key, low: call.low, run: call.run, waiters: [waiter] });
      }
      this.pump(channel, lane);
    });
  }

  enqueueBatch<I, T>(channel: string, call: BatchCall<I, T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const lane = this.lane(channel);
      lane.pending.push({
        batch: call.batch,
        item: call.item,
        runBatch: call.runBatch as (items: unknown[]) => Promise<unknown[]>,
        waiters: [{ resolve: resolve as (v: unknown) => void, reject }],
      });
      this.pump(channel, lane);
    });
  }

  /** After a 429: nothing more goes to this channel for `ms`. */
  pause(channel: string, ms: number): void {
    const lane = this.lane(channel);
    lane.pausedUntil = Math.max(lane.pausedUntil, this.now() + ms);
    lane.tokens = 0;
    lane.refilledAt = lane.pausedUntil;
  }

  pendingCount(channel?: string): number {
    if (channel !== undefined) return this.lanes.get(channel)?.pending.length ?? 0;
    let n = 0;
    for (const l of this.lanes.values()) n += l.pending.length + (l.busy ? 1 : 0);
    return n;
  }

  /** Resolves when every lane is empty and idle (tests, benchmarks, shutdown). */
  idle(): Promise<void> {
    if (this.pendingCount() === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private lane(channel: string): Lane {
    let lane = this.lanes.get(channel);
    if (!lane) {
      lane = {
        pending: [],
        busy: false,
        timer: undefined,
        tokens: this.burst,
        refilledAt: this.now(),
        pausedUntil: 0,
      };
      this.lanes.set(channel, lane);
    }
    return lane;
  }

  private pump(channel: string, lane: Lane): void {
    if (lane.busy || lane.pending.length === 0) return;
    if (lane.timer) {
      clearTimeout(lane.timer);
      lane.timer = undefined;
    }
    void this.runNext(channel, lane);
  }

  /** ms until this lane may make its next call (0: now, and a token is taken). */
  private waitFor(lane: Lane, reserve: number): number {
    const now = this.now();
    if (lane.pausedUntil > now) return lane.pausedUntil - now;
    if (now > lane.refilledAt) {
      lane.tokens = Math.min(this.burst, lane.tokens + (now - lane.refilledAt) / this.intervalMs);
      lane.refilledAt = now;
    }
    if (lane.tokens >= 1 + reserve) {
      lane.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 + reserve - lane.tokens) * this.intervalMs);
  }

  private async runNext(channel: string, lane: Lane): Promise<void> {
    lane.timer = undefined;
    const urgent = lane.pending.findIndex((p) => !p.low);
    const index = Math.max(urgent, 0);
    const reserve = urgent >= 0 ? 0 : Math.min(1, this.burst - 1);
    // Waiting lets more calls arrive, and so coalesce, before the one that goes.
    const wait = this.waitFor(lane, reserve);
    if (wait > 0) {
      lane.timer = setTimeout(() => void this.runNext(channel, lane), wait);
      return;
    }
    lane.busy = true;
    const [head] = lane.pending.splice(index, 1) as [Pending];
    const group = head.batch === undefined ? [head] : [head, ...this.takeBatch(lane, head.batch)];
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
      for (const p of group) for (const w of p.waiters) w.reject(err);
    }
    lane.busy = false;
    if (lane.pending.length > 0) this.pump(channel, lane);
    else if (this.pendingCount() === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private takeBatch(lane: Lane, batch: string): Pending[] {
    const taken: Pending[] = [];
    lane.pending = lane.pending.filter((p) => {
      if (p.batch !== batch || taken.length >= this.maxBatch - 1) return true;
      taken.push(p);
      return false;
    });
    return taken;
  }
}
