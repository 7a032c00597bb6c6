import type { Redis } from 'ioredis';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Alert, AlertBatch } from '../../src/alerts/schema.js';
import { StoreUnavailableError } from '../../src/errors.js';
import type { IncidentEvent } from '../../src/incidents/events.js';
import { IncidentStore, newIncidentId } from '../../src/incidents/store.js';
import { INCIDENT_ID } from '../../src/incidents/types.js';
import { routeAlert } from '../../src/playbooks/route.js';
import { createRedis } from '../../src/redis/connect.js';
import { freePort } from '../../src/redis/embedded.js';
import { testCatalog, testPlaybook } from '../support/intake.js';
import { testRedis } from '../support/redis.js';

const catalog = testCatalog(
  testPlaybook('latency', [{ alertname: 'HighLatency' }]),
  testPlaybook('cpu', [{ alertname: 'HighCPUUsage' }]),
);
const T0 = Date.parse('2024-05-03T12:00:00Z');
const clients: Redis[] = [];
afterAll(() => {
  for (const c of clients) c.disconnect();
});

function setup(options: { repeatWindowMs?: number } = {}) {
  const { redis, prefix } = testRedis();
  clients.push(redis);
  const clock = { t: T0 };
  const store = new IncidentStore({ redis, prefix, now: () => new Date(clock.t), ...options });
  const events: IncidentEvent[] = [];
  store.onEvent((e) => events.push(e));
  const apply = (batch: AlertBatch) =>
    store.apply(
      batch,
      batch.alerts.map((a) => routeAlert(a, catalog)),
    );
  return { redis, prefix, clock, store, events, apply };
}

const at = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();

function amAlert(fp: string, status: 'firing' | 'resolved', over: Partial<Alert> = {}): Alert {
  return {
    source: 'alertmanager',
    name: 'HighLatency',
    status,
    labels: { alertname: 'HighLatency', pod: fp, severity: 'warning' },
    annotations: { summary: `latency on ${fp}` },
    startsAt: at(-60_000),
    ...(status === 'resolved' ? { endsAt: at(600_000) } : {}),
    fingerprint: fp,
    ...over,
  };
}

const am = (alerts: Alert[], group = 'g1'): AlertBatch => ({
  source: 'alertmanager',
  group,
  alerts,
  meta: {},
});

describe('IncidentStore.apply', () => {
  let s: ReturnType<typeof setup>;
  beforeEach(() => {
    s = setup({ repeatWindowMs: 30_000 });
  });

  it('opens one incident per group and playbook, holding all its alerts', async () => {
    const res = await s.apply(am([amAlert('a', 'firing'), amAlert('b', 'firing')]));
    expect(res.incidents).toHaveLength(1);
    const id = res.incidents[0] as string;
    expect(id).toMatch(INCIDENT_ID);
    expect(res.events.map((e) => e.type)).toEqual(['opened']);
    const opened = res.events[0] as Extract<IncidentEvent, { type: 'opened' }>;
    expect(opened).toMatchObject({
      incidentId: id,
      playbookId: 'latency',
      trigger: 'alertname="HighLatency"',
      title: 'HighLatency',
    });
    expect(opened.alerts.map((a) => [a.fingerprint, a.status, a.summary])).toEqual([
      ['a', 'firing', 'latency on a'],
      ['b', 'firing', 'latency on b'],
    ]);
    const inc = await s.store.get(id);
    expect(inc).toMatchObject({
      status: 'open',
      playbookId: 'latency',
      trigger: { index: 0, description: 'alertname="HighLatency"' },
      alertCount: 2,
      firingCount: 2,
      repeats: 0,
      startedAt: at(-60_000),
      openedAt: at(0),
    });
    expect(inc?.alerts.map((a) => a.fingerprint)).toEqual(['a', 'b']);
    expect((await s.store.listOpen()).map((i) => i.id)).toEqual([id]);
    expect(s.events).toEqual(res.events);
    expect(res.transitions).toEqual([
      {
        type: 'opened',
        incidentId: id,
        playbookId: 'latency',
        trigger: 'alertname="HighLatency"',
        streamId: opened.streamId,
      },
    ]);
  });

  it('the same notification again changes nothing', async () => {
    const batch = am([amAlert('a', 'firing'), amAlert('b', 'firing')]);
    const first = await s.apply(batch);
    const before = await s.store.get(first.incidents[0] as string);
    s.clock.t += 5_000;
    const second = await s.apply(batch);
    expect(second.incidents).toEqual(first.incidents);
    expect(second.events).toEqual([]);
    expect(second.transitions).toEqual([]);
    expect(await s.store.get(first.incidents[0] as string)).toEqual(before);
  });

  it('delivered to many clients at once, it still opens exactly one incident', async () => {
    const others = Array.from({ length: 4 }, () => {
      const { redis } = testRedis();
      clients.push(redis);
      return new IncidentStore({ redis, prefix: s.prefix, now: () => new Date(s.clock.t) });
    });
    const batch = am([amAlert('a', 'firing'), amAlert('b', 'firing'), amAlert('c', 'firing')]);
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (others[i % others.length] as IncidentStore).apply(
          batch,
          batch.alerts.map((a) => routeAlert(a, catalog)),
        ),
      ),
    );
    const ids = new Set(results.flatMap((r) => r.incidents));
    expect(ids.size).toBe(1);
    expect(results.flatMap((r) => r.events).map((e) => e.type)).toEqual(['opened']);
    expect(await s.redis.xlen(`${s.prefix}incident-events`)).toBe(1);
  });

  it('counts a repeat notification after the window, on the incident and the alert', async () => {
    const { incidents } = await s.apply(am([amAlert('a', 'firing')]));
    s.clock.t += 60_000;
    const res = await s.apply(am([amAlert('a', 'firing')]));
    expect(res.incidents).toEqual(incidents);
    expect(res.events.map((e) => [e.type, 'repeats' in e ? e.repeats : undefined])).toEqual([
      ['repeated', 1],
    ]);
    s.clock.t += 60_000;
    await s.apply(am([amAlert('a', 'firing'), amAlert('b', 'firing')]));
    const inc = await s.store.get(incidents[0] as string);
    expect(inc?.repeats).toBe(2);
    expect(inc?.alerts.find((a) => a.fingerprint === 'a')).toMatchObject({
      repeats: 2,
      lastNotifiedAt: at(120_000),
    });
    expect(s.events.map((e) => e.type)).toEqual(['opened', 'repeated', 'alert-added', 'repeated']);
  });

  it('resolves when every alert is resolved, with its duration; late duplicates change nothing', async () => {
    const { incidents } = await s.apply(am([amAlert('a', 'firing'), amAlert('b', 'firing')]));
    const id = incidents[0] as string;
    // Within the repeat window, so b's presence is not a repeat.
    s.clock.t += 10_000;
    const partial = await s.apply(
      am([amAlert('a', 'resolved', { endsAt: at(240_000) }), amAlert('b', 'firing')]),
    );
    expect(partial.events.map((e) => e.type)).toEqual(['alert-resolved']);
    expect(partial.events[0]).toMatchObject({
      firing: 1,
      alerts: [{ fingerprint: 'a', status: 'resolved' }],
    });
    s.clock.t += 10_000;
    const done = await s.apply(
      am([
        amAlert('a', 'resolved', { endsAt: at(240_000) }),
        amAlert('b', 'resolved', { endsAt: at(540_000) }),
      ]),
    );
    expect(done.events.map((e) => e.type)).toEqual(['resolved']);
    expect(done.events[0]).toMatchObject({
      startedAt: at(-60_000),
      resolvedAt: at(540_000),
      durationMs: 600_000,
    });
    const inc = await s.store.get(id);
    expect(inc).toMatchObject({
      status: 'resolved',
      firingCount: 0,
      durationMs: 600_000,
      resolvedAt: at(540_000),
    });
    expect(inc?.alerts.map((a) => [a.status, a.endsAt])).toEqual([
      ['resolved', at(240_000)],
      ['resolved', at(540_000)],
    ]);
    expect(await s.store.listOpen()).toEqual([]);
    expect(await s.redis.ttl(`${s.prefix}incident:${id}`)).toBeGreaterThan(0);

    s.clock.t += 60_000;
    const again = await s.apply(am([amAlert('b', 'resolved', { endsAt: at(540_000) })]));
    expect(again.incidents).toEqual([id]);
    expect(again.events).toEqual([]);
    // A stale firing of the old episode (a delayed retry) does not reopen anything either.
    expect((await s.apply(am([amAlert('b', 'firing')]))).events).toEqual([]);
  });

  it('an alert firing after its incident resolved opens a new incident', async () => {
    const first = await s.apply(am([amAlert('a', 'firing')]));
    await s.apply(am([amAlert('a', 'resolved', { endsAt: at(60_000) })]));
    s.clock.t += 600_000;
    const res = await s.apply(am([amAlert('a', 'firing', { startsAt: at(590_000) })]));
    expect(res.incidents).toHaveLength(1);
    expect(res.incidents[0]).not.toBe(first.incidents[0]);
    expect(res.events.map((e) => e.type)).toEqual(['opened']);
    expect((await s.store.get(first.incidents[0] as string))?.status).toBe('resolved');
    expect((await s.store.get(res.incidents[0] as string))?.startedAt).toBe(at(590_000));
  });

  it('an alert that fires again while its incident is open is counted as a repeat', async () => {
    const { incidents } = await s.apply(am([amAlert('a', 'firing'), amAlert('b', 'firing')]));
    await s.apply(am([amAlert('a', 'resolved', { endsAt: at(10_000) }), amAlert('b', 'firing')]));
    const res = await s.apply(am([amAlert('a', 'firing', { startsAt: at(20_000) }), amAlert('b', 'firing')]));
    expect(res.incidents).toEqual(incidents);
    expect(res.events.map((e) => e.type)).toEqual(['repeated']);
    expect(await s.store.get(incidents[0] as string)).toMatchObject({ firingCount: 2, repeats: 1 });
  });

  it('splits one sender group by playbook, and opens a playbook-less incident for unmatched alerts', async () => {
    const res = await s.apply(
      am([
        amAlert('a', 'firing'),
        amAlert('c', 'firing', { name: 'HighCPUUsage', labels: { alertname: 'HighCPUUsage' } }),
        amAlert('d', 'firing', { name: 'DiskFull', labels: { alertname: 'DiskFull' } }),
      ]),
    );
    expect(res.incidents).toHaveLength(3);
    expect(res.events.map((e) => e.playbookId)).toEqual(['latency', 'cpu', null]);
    const none = await s.store.findByGroup({ source: 'alertmanager', group: 'g1' }, null);
    expect(none).toMatchObject({ playbookId: null, trigger: null, title: 'DiskFull', alertCount: 1 });
  });

  it('records a resolved alert it never saw firing (opened and resolved at once)', async () => {
    const res = await s.apply(am([amAlert('z', 'resolved', { endsAt: at(-1000) })]));
    expect(res.events.map((e) => e.type)).toEqual(['opened', 'resolved']);
    expect(await s.store.get(res.incidents[0] as string)).toMatchObject({
      status: 'resolved',
      alertCount: 1,
    });
  });

  it('never counts a repeat for sources that do not repeat (Azure, CloudWatch redeliveries)', async () => {
    const alert: Alert = { ...amAlert('azure-1', 'firing'), source: 'azure-monitor' };
    const batch: AlertBatch = { source: 'azure-monitor', group: 'rule', alerts: [alert], meta: {} };
    await s.apply(batch);
    s.clock.t += 3_600_000;
    expect((await s.apply(batch)).events).toEqual([]);
    const resolved = await s.apply({
      ...batch,
      alerts: [{ ...alert, status: 'resolved', endsAt: at(3_000_000) }],
    });
    expect(resolved.events.map((e) => e.type)).toEqual(['resolved']);
  });

  it('keeps odd alert content intact: braces, quotes, an annotation named "labels", non-ASCII', async () => {
    const odd = amAlert('odd', 'firing', {
      name: 'Wärme "hoch"',
      labels: { alertname: 'Wärme "hoch"', severity: 'crit},"labels":{' },
      annotations: { summary: 'a},"labels":{"x":1}', labels: 'not the labels', description: '\n\u2028' },
    });
    const res = await s.apply(am([odd]));
    const opened = res.events[0];
    expect(opened?.alerts[0]).toMatchObject({
      name: 'Wärme "hoch"',
      severity: 'crit},"labels":{',
      summary: 'a},"labels":{"x":1}',
    });
    expect(opened?.title).toBe('Wärme "hoch"');
    const inc = await s.store.get(res.incidents[0] as string);
    expect(inc?.alerts[0]).toMatchObject({
      labels: odd.labels,
      annotations: odd.annotations,
      name: odd.name,
    });
  });

  it('writes every transition to the stream outbox, in order', async () => {
    await s.apply(am([amAlert('a', 'firing')]));
    await s.apply(am([amAlert('a', 'resolved')]));
    const entries = await s.redis.xrange(`${s.prefix}incident-events`, '-', '+');
    expect(entries.map(([, f]) => f[1])).toEqual(['opened', 'resolved']);
    expect(entries.map(([id]) => id)).toEqual(s.events.map((e) => e.streamId));
  });
});

describe('IncidentStore threads and failures', () => {
  it('setThread: the first caller wins, the others get the winning thread', async () => {
    const s = setup();
    const { incidents } = await s.apply(am([amAlert('a', 'firing')]));
    const id = incidents[0] as string;
    const results = await Promise.all([
      s.store.setThread(id, 'C0123', '1714737600.000100'),
      s.store.setThread(id, 'C0123', '1714737600.000200'),
    ]);
    expect(results.filter((r) => r?.created)).toHaveLength(1);
    expect(results[0]?.thread).toEqual(results[1]?.thread);
    expect((await s.store.get(id))?.thread).toEqual(results[0]?.thread);
    expect(await s.store.setThread('inc-nope-0', 'C1', '1')).toBeUndefined();
    expect(await s.store.setThread('bad:id', 'C1', '1')).toBeUndefined();
  });

  it('ids are BullMQ-safe: no colon, never an integer, time-ordered prefix', () => {
    const id = newIncidentId(new Date(T0));
    expect(id).toMatch(INCIDENT_ID);
    expect(id).not.toContain(':');
    expect(Number.isInteger(Number(id))).toBe(false);
    expect(id.split('-')[1]).toBe(T0.toString(36));
  });

  it('Redis down: apply fails with StoreUnavailableError at once', async () => {
    const redis = createRedis(`redis://127.0.0.1:${await freePort()}`, { retryStrategy: () => null });
    redis.on('error', () => {});
    clients.push(redis);
    const store = new IncidentStore({ redis, prefix: 'x:' });
    await expect(store.apply(am([amAlert('a', 'firing')]), [{}])).rejects.toThrow(StoreUnavailableError);
  });
});
