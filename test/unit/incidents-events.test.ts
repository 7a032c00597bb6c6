import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { AlertBatch } from '../../src/alerts/schema.js';
import { consumeIncidentEvents, type IncidentEvent } from '../../src/incidents/events.js';
import { IncidentStore } from '../../src/incidents/store.js';
import { testRedis } from '../support/redis.js';

const clients: Redis[] = [];
const controllers: AbortController[] = [];
afterAll(() => {
  for (const c of controllers) c.abort();
  for (const c of clients) c.disconnect();
});

function fresh() {
  const t = testRedis();
  clients.push(t.redis);
  return { ...t, store: new IncidentStore({ redis: t.redis, prefix: t.prefix }) };
}

const batch = (group: string, status: 'firing' | 'resolved'): AlertBatch => ({
  source: 'alertmanager',
  group,
  meta: {},
  alerts: [
    {
      source: 'alertmanager',
      name: 'HighLatency',
      status,
      labels: { alertname: 'HighLatency' },
      annotations: {},
      startsAt: '2024-05-03T12:00:00.000Z',
      ...(status === 'resolved' ? { endsAt: '2024-05-03T12:10:00.000Z' } : {}),
      fingerprint: `fp-${group}`,
    },
  ],
});

async function until(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`never happened: ${what}`);
}

function consume(
  t: ReturnType<typeof fresh>,
  group: string,
  consumer: string,
  handler: (e: IncidentEvent) => void | Promise<void>,
  claimIdleMs = 60_000,
) {
  const ac = new AbortController();
  controllers.push(ac);
  const done = consumeIncidentEvents({
    redis: t.redis,
    prefix: t.prefix,
    group,
    consumer,
    handler,
    signal: ac.signal,
    blockMs: 200,
    claimIdleMs,
  });
  return {
    stop: async () => {
      ac.abort();
      await done;
    },
  };
}

describe('consumeIncidentEvents', () => {
  it('each consumer group sees every event once, shared among its consumers', async () => {
    const t = fresh();
    const chat: [string, IncidentEvent][] = [];
    const audit: IncidentEvent[] = [];
    const c1 = consume(t, 'chat', 'replica-1', (e) => void chat.push(['replica-1', e]));
    const c2 = consume(t, 'chat', 'replica-2', (e) => void chat.push(['replica-2', e]));
    const a1 = consume(t, 'audit', 'replica-1', (e) => void audit.push(e));
    const produced: IncidentEvent[] = [];
    for (let i = 0; i < 10; i++) {
      produced.push(...(await t.store.apply(batch(`g${i}`, 'firing'), [{}])).events);
      produced.push(...(await t.store.apply(batch(`g${i}`, 'resolved'), [{}])).events);
    }
    expect(produced).toHaveLength(20);
    await until(() => chat.length >= 20 && audit.length >= 20, 'all events consumed');
    await Promise.all([c1.stop(), c2.stop(), a1.stop()]);
    const ids = (list: IncidentEvent[]) => list.map((e) => e.streamId).sort();
    expect(ids(chat.map(([, e]) => e))).toEqual(ids(produced));
    expect(ids(audit)).toEqual(ids(produced));
    expect(audit).toEqual(produced);
    expect(await t.redis.xpending(`${t.prefix}incident-events`, 'chat')).toEqual([0, null, null, null]);
  });

  it('an event whose handler failed is claimed by another consumer after the idle time', async () => {
    const t = fresh();
    const seen: string[] = [];
    const failing = consume(t, 'chat', 'dying', () => {
      seen.push('dying');
      throw new Error('Slack is down');
    });
    await t.store.apply(batch('x', 'firing'), [{}]);
    await until(() => seen.length > 0, 'first delivery');
    await failing.stop();
    const got: IncidentEvent[] = [];
    const healthy = consume(t, 'chat', 'healthy', (e) => void got.push(e), 100);
    await until(() => got.length === 1, 'claimed delivery');
    await healthy.stop();
    expect(got[0]).toMatchObject({ type: 'opened', incidentId: expect.stringMatching(/^inc-/) });
  });

  it('a new group can start at "$" to see only new events', async () => {
    const t = fresh();
    await t.store.apply(batch('old', 'firing'), [{}]);
    const got: IncidentEvent[] = [];
    const ac = new AbortController();
    controllers.push(ac);
    const done = consumeIncidentEvents({
      redis: t.redis,
      prefix: t.prefix,
      group: 'late',
      consumer: 'c',
      handler: (e) => void got.push(e),
      signal: ac.signal,
      startId: '$',
      blockMs: 100,
    });
    const groups = async () =>
      ((await t.redis.xinfo('GROUPS', `${t.prefix}incident-events`)) as unknown[]).length > 0;
    await until(groups, 'the group exists');
    await t.store.apply(batch('new', 'firing'), [{}]);
    await until(() => got.length === 1, 'new event');
    ac.abort();
    await done;
    expect(got.map((e) => e.group)).toEqual(['new']);
  });

  it('concurrent: a read batch is handled together, each success acknowledged, a failure left pending', async () => {
    const t = fresh();
    for (let i = 0; i < 5; i++) await t.store.apply(batch(`c${i}`, 'firing'), [{}]);
    const started: string[] = [];
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const ac = new AbortController();
    controllers.push(ac);
    const done = consumeIncidentEvents({
      redis: t.redis,
      prefix: t.prefix,
      group: 'audit',
      consumer: 'c',
      concurrent: true,
      blockMs: 100,
      signal: ac.signal,
      handler: async (e) => {
        started.push(e.group);
        await gate; // every handler of the batch starts before any finishes
        if (e.group === 'c2') throw new Error('Redis hiccup');
      },
    });
    await until(() => started.length === 5, 'all five started together');
    release();
    const stream = `${t.prefix}incident-events`;
    await until(async () => (await t.redis.xpending(stream, 'audit'))[0] === 1, 'four acknowledged');
    ac.abort();
    await done;
    expect(started).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    const pending = (await t.redis.xpending(stream, 'audit', '-', '+', 10)) as [string][];
    const id = pending[0]?.[0] as string;
    const entries = (await t.redis.xrange(stream, id, id)) as [string, string[]][];
    const fields = entries[0]?.[1] ?? [];
    expect(JSON.parse(fields[fields.indexOf('event') + 1] as string).group).toBe('c2');
  });
});
