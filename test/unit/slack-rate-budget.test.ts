// The per-channel rate budget replicas share through Redis (real Redis, its Lua and clock):
// three replicas asking for one channel's tokens together get the burst, not three bursts; a
// 429 one replica saw holds the channel for all; channels are independent; and without Redis a
// replica paces itself rather than stopping.
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { ChannelQueue } from '../../src/chat/slack/channel-queue.js';
import { LocalRateBudget, RedisRateBudget } from '../../src/chat/slack/rate-budget.js';
import { silentLogger } from '../../src/log.js';
import { testRedis } from '../support/redis.js';

const { redis, prefix } = testRedis();
afterAll(() => redis.disconnect());

const replica = (o: { intervalMs: number; burst: number }) =>
  new RedisRateBudget({ redis, prefix, log: silentLogger, ...o });

describe('shared rate budget', () => {
  it('replicas share one bucket per channel: the burst once, then the interval', async () => {
    const budgets = [1, 2, 3].map(() => replica({ intervalMs: 60_000, burst: 3 }));
    const waits = await Promise.all(budgets.flatMap((b) => [b.take('C1', 0), b.take('C1', 0)]));
    expect(waits.filter((w) => w === 0)).toHaveLength(3);
    for (const w of waits.filter((x) => x > 0)) expect(w).toBeGreaterThan(50_000);
    // Another channel has its own bucket.
    expect(await budgets[0]?.take('C2', 0)).toBe(0);
  });

  it('edits keep a token in reserve for new messages', async () => {
    const b = replica({ intervalMs: 60_000, burst: 2 });
    expect(await b.take('R', 1)).toBe(0); // 2 → 1 left
    expect(await b.take('R', 1)).toBeGreaterThan(0); // an edit may not take the last token
    expect(await b.take('R', 0)).toBe(0); // a new message may
  });

  it('a 429 seen by one replica holds the channel for every replica, for Retry-After', async () => {
    const [a, b] = [replica({ intervalMs: 10, burst: 5 }), replica({ intervalMs: 10, burst: 5 })];
    await a.pause('P', 2000);
    const wait = await b.take('P', 0);
    expect(wait).toBeGreaterThan(1500);
    expect(wait).toBeLessThanOrEqual(2000);
    expect(await b.take('other', 0)).toBe(0);
  });

  it('N queues on one shared budget make the calls one queue would (not N times as many)', async () => {
    const calls: number[] = [];
    const queues = [1, 2, 3].map(
      () =>
        new ChannelQueue({
          budget: replica({ intervalMs: 100_000, burst: 2 }),
          intervalMs: 100_000,
          burst: 2,
        }),
    );
    for (const q of queues)
      for (let i = 0; i < 3; i++) void q.enqueue('Q', { run: async () => void calls.push(Date.now()) });
    await new Promise((r) => setTimeout(r, 300));
    expect(calls).toHaveLength(2);
  });

  it('without Redis a replica paces itself (its own bucket) instead of stopping', async () => {
    const dead = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    const b = new RedisRateBudget({ redis: dead, prefix, log: silentLogger, intervalMs: 60_000, burst: 1 });
    expect(await b.take('X', 0)).toBe(0);
    expect(await b.take('X', 0)).toBeGreaterThan(0);
    dead.disconnect();
  });

  it('the in-process budget refills over time', () => {
    let now = 0;
    const b = new LocalRateBudget({ intervalMs: 1000, burst: 1 }, () => now);
    expect(b.take('L', 0)).toBe(0);
    expect(b.take('L', 0)).toBe(1000);
    now = 1000;
    expect(b.take('L', 0)).toBe(0);
  });
});
