import { describe, expect, it } from 'vitest';
import { ChannelQueue } from '../../src/chat/slack/channel-queue.js';

describe('per-channel queue', () => {
  it('coalesces pending calls with the same key into the newest, and resolves every caller', async () => {
    const q = new ChannelQueue({ intervalMs: 20, burst: 1 });
    const ran: string[] = [];
    const first = q.enqueue('C1', { run: async () => ran.push('first') });
    const updates = Array.from({ length: 100 }, (_, i) =>
      q.enqueue('C1', {
        key: 'update:1',
        run: async () => {
          ran.push(`update ${i}`);
          return i;
        },
      }),
    );
    const results = await Promise.all(updates);
    await first;
    expect(ran).toEqual(['first', 'update 99']);
    expect(new Set(results)).toEqual(new Set([99]));
    expect(q.executed).toBe(2);
  });

  it('hands waiting batch items to one runner call', async () => {
    const q = new ChannelQueue({ intervalMs: 20, burst: 1 });
    const batches: number[][] = [];
    const runBatch = async (items: number[]) => {
      batches.push(items);
      return items.map((i) => `ts-for-${items[0]}-${i}`);
    };
    const all = Array.from({ length: 10 }, (_, i) =>
      q.enqueueBatch('C1', { batch: 'roots', item: i, runBatch }),
    );
    const refs = await Promise.all(all);
    expect(batches).toEqual([[0], [1, 2, 3, 4, 5, 6, 7, 8, 9]]);
    expect(refs[5]).toBe('ts-for-1-5');
  });

  it('keeps channels independent and order within a channel', async () => {
    const q = new ChannelQueue({ intervalMs: 5, burst: 2 });
    const order: string[] = [];
    await Promise.all([
      ...[1, 2, 3].map((i) => q.enqueue('A', { run: async () => order.push(`A${i}`) })),
      ...[1, 2, 3].map((i) => q.enqueue('B', { run: async () => order.push(`B${i}`) })),
    ]);
    expect(order.filter((x) => x.startsWith('A'))).toEqual(['A1', 'A2', 'A3']);
    expect(order.filter((x) => x.startsWith('B'))).toEqual(['B1', 'B2', 'B3']);
  });

  it('spaces calls by the token bucket: with a fixed clock only the burst may run', async () => {
    const now = 1_000;
    const q = new ChannelQueue({ intervalMs: 60_000, burst: 2, now: () => now });
    const ran: number[] = [];
    for (let i = 0; i < 5; i++) void q.enqueue('C', { run: async () => ran.push(i) });
    await new Promise((r) => setTimeout(r, 50));
    expect(ran).toEqual([0, 1]);
    expect(q.pendingCount('C')).toBe(3);
  });

  it('rejects the callers of a failed call and carries on with the rest', async () => {
    const q = new ChannelQueue({ intervalMs: 1, burst: 5 });
    const bad = q.enqueue('C', { run: async () => Promise.reject(new Error('boom')) });
    const good = q.enqueue('C', { run: async () => 'ok' });
    await expect(bad).rejects.toThrow('boom');
    await expect(good).resolves.toBe('ok');
    await q.idle();
    expect(q.pendingCount()).toBe(0);
  });

  it('holds a channel back after a 429 pause while other channels go on', async () => {
    const q = new ChannelQueue({ intervalMs: 1, burst: 5 });
    q.pause('C', 200);
    const ran: string[] = [];
    const c = q.enqueue('C', { run: async () => ran.push('c') });
    const d = q.enqueue('D', { run: async () => ran.push('d') });
    await Promise.all([c, d]);
    expect(ran).toEqual(['d', 'c']);
  });

  it('lets new messages overtake pending edits, which keep one token in reserve', async () => {
    const q = new ChannelQueue({ intervalMs: 80, burst: 2 });
    const ran: string[] = [];
    const edit = (n: number) =>
      q.enqueue('C', { key: 'progress', low: true, run: async () => void ran.push(`edit ${n}`) });
    const post = (name: string) => q.enqueue('C', { run: async () => void ran.push(name) });
    const first = post('progress posted');
    const edits = [edit(1), edit(2)];
    const report = post('report');
    await Promise.all([first, ...edits, report]);
    // The report went before the coalesced edit although it was queued after it.
    expect(ran).toEqual(['progress posted', 'report', 'edit 2']);
  });
});
