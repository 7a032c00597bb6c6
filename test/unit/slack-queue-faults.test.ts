// The channel queue when Slack fails: a failing call steps aside (no head-of-line blocking),
// backoff is capped and jittered, Retry-After holds the channel (only it), a single message is
// given up after a bounded time while roots go back to the digest pool, a thread's replies
// keep their order, an unusable Slack holds everything until released, and shutdown refuses
// what is left.
import { describe, expect, it } from 'vitest';
import type { Verdict } from '../../src/chat/slack/api-calls.js';
import { ChannelQueue, SlackGaveUpError, SlackQueueClosedError } from '../../src/chat/slack/channel-queue.js';

class Fail extends Error {
  constructor(readonly verdict: Verdict) {
    super(verdict.reason);
  }
}
const classify = (err: unknown): Verdict =>
  err instanceof Fail ? err.verdict : { kind: 'fail', reason: String(err) };
const retry = (reason = 'http 500'): Fail => new Fail({ kind: 'retry', reason, ambiguous: true });

/** A call that fails `n` times, then answers `value`. */
function flaky<T>(n: number, value: T, error: () => Error = () => retry()): () => Promise<T> {
  let left = n;
  return async () => {
    if (left-- > 0) throw error();
    return value;
  };
}

describe('channel queue under faults', () => {
  it('a failing call steps aside: the channel goes on, and the call succeeds later', async () => {
    const q = new ChannelQueue({ intervalMs: 1, burst: 10, classify, retry: { baseMs: 30, capMs: 30 } });
    const done: string[] = [];
    const bad = q.enqueue('C', { run: flaky(2, 'bad') }).then((v) => done.push(v));
    const good = [1, 2, 3].map((i) =>
      q.enqueue('C', { run: async () => `good${i}` }).then((v) => done.push(v)),
    );
    await Promise.all([bad, ...good]);
    expect(done).toEqual(['good1', 'good2', 'good3', 'bad']);
  });

  it('backs off exponentially, capped, with jitter', async () => {
    const delays: number[] = [];
    const q = new ChannelQueue({
      intervalMs: 1,
      burst: 10,
      classify,
      random: () => 1,
      retry: { baseMs: 5, capMs: 20, giveUpMs: 10_000 },
      onRetry: (r) => delays.push(r.delayMs),
    });
    await q.enqueue('C', { run: flaky(5, 'ok') });
    expect(delays).toEqual([5, 10, 20, 20, 20]);

    const jittered: number[] = [];
    const q2 = new ChannelQueue({
      intervalMs: 1,
      classify,
      random: () => 0,
      retry: { baseMs: 100, capMs: 100 },
      onRetry: (r) => jittered.push(r.delayMs),
    });
    await q2.enqueue('C', { run: flaky(1, 'ok') });
    // The smallest jitter is a tenth of the ceiling, never zero.
    expect(jittered).toEqual([10]);
  });

  it("honours Retry-After: the channel waits that long, other channels don't", async () => {
    const delays: number[] = [];
    const q = new ChannelQueue({
      intervalMs: 1,
      burst: 10,
      classify,
      onRetry: (r) => delays.push(r.delayMs),
    });
    const order: string[] = [];
    const limited = new Fail({
      kind: 'retry',
      reason: 'ratelimited',
      afterMs: 150,
      rateLimited: true,
      ambiguous: false,
    });
    const first = q.enqueue('C', { run: flaky(1, 'C1', () => limited) }).then((v) => order.push(v));
    await new Promise((r) => setTimeout(r, 10));
    const second = q.enqueue('C', { run: async () => 'C2' }).then((v) => order.push(v));
    const other = q.enqueue('D', { run: async () => 'D1' }).then((v) => order.push(v));
    await Promise.all([first, second, other]);
    expect(delays).toEqual([150]);
    // D went while C was paused; C's calls came after the pause.
    expect(order[0]).toBe('D1');
    expect(order.slice(1).sort()).toEqual(['C1', 'C2']);
  });

  it('gives up on a single message after giveUpMs, and the channel carries on', async () => {
    const gaveUp: string[] = [];
    const q = new ChannelQueue({
      intervalMs: 1,
      burst: 10,
      classify,
      retry: { baseMs: 10, capMs: 20, giveUpMs: 60 },
      onGiveUp: (g) => gaveUp.push(g.reason),
    });
    const doomed = q.enqueue('C', { run: flaky(Number.POSITIVE_INFINITY, 'never') });
    const fine = q.enqueue('C', { run: async () => 'fine' });
    await expect(fine).resolves.toBe('fine');
    const err = await doomed.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SlackGaveUpError);
    expect((err as SlackGaveUpError).attempts).toBeGreaterThanOrEqual(3);
    expect(gaveUp).toEqual(['http 500']);
    await q.idle();
  });

  it('a failed root batch goes back to the pool and the next digest carries its items', async () => {
    const q = new ChannelQueue({ intervalMs: 1, burst: 10, classify, retry: { baseMs: 200, capMs: 200 } });
    const batches: number[][] = [];
    let fail = true;
    const runBatch = async (items: number[]) => {
      batches.push(items);
      if (fail) {
        fail = false;
        throw retry();
      }
      return items.map((i) => `root-for-${i}`);
    };
    const first = q.enqueueBatch('C', { batch: 'roots', item: 1, runBatch });
    await new Promise((r) => setTimeout(r, 20));
    // A new root arrives while the failed one backs off: both go together, at once.
    const second = q.enqueueBatch('C', { batch: 'roots', item: 2, runBatch });
    expect(await Promise.all([first, second])).toEqual(['root-for-1', 'root-for-2']);
    expect(batches).toEqual([[1], [1, 2]]);
  });

  it("keeps a thread's replies in order across a retry, while other threads go on", async () => {
    const q = new ChannelQueue({ intervalMs: 1, burst: 10, classify, retry: { baseMs: 40, capMs: 40 } });
    const order: string[] = [];
    const post = (thread: string, name: string, run = async () => name) =>
      q.enqueue('C', { order: thread, run }).then((v) => order.push(v));
    await Promise.all([
      post('T1', 'T1-progress', flaky(1, 'T1-progress')),
      post('T1', 'T1-report'),
      post('T2', 'T2-progress'),
    ]);
    expect(order).toEqual(['T2-progress', 'T1-progress', 'T1-report']);
  });

  it('a failing edit superseded by a newer one is dropped; its caller gets the newer result', async () => {
    const q = new ChannelQueue({ intervalMs: 1, burst: 10, classify, retry: { baseMs: 100, capMs: 100 } });
    const ran: string[] = [];
    const old = q.enqueue('C', {
      key: 'update:1',
      low: true,
      run: async () => {
        ran.push('old');
        throw retry();
      },
    });
    await new Promise((r) => setTimeout(r, 10));
    const newer = q.enqueue('C', { key: 'update:1', low: true, run: async () => void ran.push('newer') });
    await Promise.all([old, newer]);
    expect(ran).toEqual(['old', 'newer']);
  });

  it('Slack unusable (bad token): every channel is held until released, nothing lost', async () => {
    let reason = '';
    const q = new ChannelQueue({ intervalMs: 1, burst: 10, classify, onUnavailable: (r) => (reason = r) });
    const ran: string[] = [];
    const a = q.enqueue('A', {
      run: flaky(1, 'A', () => new Fail({ kind: 'unavailable', reason: 'invalid_auth' })),
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(reason).toBe('invalid_auth');
    expect(q.isHeld).toBe(true);
    const b = q.enqueue('B', { run: async () => void ran.push('B') });
    await new Promise((r) => setTimeout(r, 20));
    expect(ran).toEqual([]);
    q.release();
    expect(await a).toBe('A');
    await b;
    expect(ran).toEqual(['B']);
  });

  it('close(): what does not go out within the grace period is refused, and so is anything later', async () => {
    const q = new ChannelQueue({ intervalMs: 1, burst: 10, classify });
    q.hold();
    const waiting = q.enqueue('C', { run: async () => 'x' });
    expect(await q.close(20)).toBe(1);
    await expect(waiting).rejects.toBeInstanceOf(SlackQueueClosedError);
    await expect(q.enqueue('C', { run: async () => 'y' })).rejects.toBeInstanceOf(SlackQueueClosedError);
  });

  it('waitBelow: the event reader waits while the backlog is at its limit', async () => {
    const q = new ChannelQueue({ intervalMs: 1, burst: 10, classify });
    q.hold();
    const calls = Array.from({ length: 5 }, (_, i) => q.enqueue('C', { run: async () => i }));
    let roomy = false;
    const room = q.waitBelow(3).then(() => {
      roomy = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(roomy).toBe(false);
    q.release();
    await room;
    expect(q.pendingCount()).toBeLessThan(3);
    await Promise.all(calls);
    await expect(q.waitBelow(1)).resolves.toBeUndefined();
  });

  it('a final error (channel_not_found) rejects at once, without retries', async () => {
    const retries: number[] = [];
    const q = new ChannelQueue({ intervalMs: 1, classify, onRetry: (r) => retries.push(r.delayMs) });
    const final = new Fail({ kind: 'fail', reason: 'channel_not_found' });
    await expect(q.enqueue('C', { run: flaky(1, 'x', () => final) })).rejects.toBe(final);
    expect(retries).toEqual([]);
  });
});
