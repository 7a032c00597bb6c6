// Truncated Alertmanager groups in the incident store (real Redis, the real Lua): while a request
// says alerts were left out, the incident does not resolve, and it says how many are not shown.
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { Alert, AlertBatch } from '../../src/alerts/schema.js';
import type { IncidentEvent } from '../../src/incidents/events.js';
import { IncidentStore } from '../../src/incidents/store.js';
import { routeAlert } from '../../src/playbooks/route.js';
import { testCatalog, testPlaybook } from '../support/intake.js';
import { testRedis } from '../support/redis.js';

const catalog = testCatalog(
  testPlaybook('latency', [{ alertname: 'HighLatency' }]),
  testPlaybook('cpu', [{ alertname: 'HighCPUUsage' }]),
);
const T0 = Date.parse('2024-05-03T12:00:00Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const clients: Redis[] = [];
afterAll(() => {
  for (const c of clients) c.disconnect();
});

function setup() {
  const { redis, prefix } = testRedis();
  clients.push(redis);
  const store = new IncidentStore({ redis, prefix, now: () => new Date(T0) });
  const events: IncidentEvent[] = [];
  store.onEvent((e) => events.push(e));
  const applyTo = (group: string, truncatedAlerts: number, ...alerts: Alert[]) => {
    const batch: AlertBatch = { source: 'alertmanager', group, alerts, truncatedAlerts, meta: {} };
    return store.apply(
      batch,
      alerts.map((a) => routeAlert(a, catalog)),
    );
  };
  const apply = (truncatedAlerts: number, ...alerts: Alert[]) => applyTo('g', truncatedAlerts, ...alerts);
  return { store, events, apply, applyTo };
}

const alert = (pod: string, status: 'firing' | 'resolved', name = 'HighLatency'): Alert => ({
  source: 'alertmanager',
  name,
  status,
  labels: { alertname: name, instance: pod },
  annotations: {},
  startsAt: at(-60_000),
  ...(status === 'resolved' ? { endsAt: at(60_000) } : {}),
  fingerprint: `${name}/${pod}`,
});

describe('truncated groups', () => {
  it('listed alerts all resolved while 3 were left out: open, 3 not shown, firing 0', async () => {
    const { store, events, apply } = setup();
    const { incidents } = await apply(3, alert('a', 'firing'), alert('b', 'firing'));
    await apply(3, alert('a', 'resolved'), alert('b', 'resolved'));
    const id = incidents[0] as string;
    expect(await store.get(id)).toMatchObject({ status: 'open', firingCount: 0, truncatedAlerts: 3 });
    expect((await store.listOpen()).map((i) => i.id)).toEqual([id]);
    expect(events.map((e) => [e.type, 'truncatedAlerts' in e ? e.truncatedAlerts : undefined])).toEqual([
      ['opened', undefined],
      ['alert-resolved', 3],
    ]);
  });

  it('resolves when a later request leaves nothing out and everything it lists is resolved', async () => {
    const { store, events, apply } = setup();
    const { incidents } = await apply(1, alert('a', 'firing'), alert('b', 'firing'));
    await apply(1, alert('a', 'resolved'), alert('b', 'resolved'));
    await apply(0, alert('c', 'resolved'));
    expect(await store.get(incidents[0] as string)).toMatchObject({ status: 'resolved', alertCount: 3 });
    expect(events.at(-1)).toMatchObject({ type: 'resolved', durationMs: 120_000 });
  });

  it('a request that only says nothing is left out any more resolves an incident with nothing firing', async () => {
    const { store, events, apply } = setup();
    const { incidents } = await apply(2, alert('a', 'resolved'));
    const id = incidents[0] as string;
    expect(await store.get(id)).toMatchObject({ status: 'open', truncatedAlerts: 2 });
    // A repeat of the same listed alert, now complete: no alert changes, yet the group is over.
    await apply(0, alert('a', 'resolved'));
    expect(await store.get(id)).toMatchObject({ status: 'resolved' });
    expect(events.map((e) => e.type)).toEqual(['opened', 'alert-resolved', 'resolved']);
  });

  it('a changed count is recorded even when no listed alert changed', async () => {
    const { store, apply } = setup();
    const { incidents } = await apply(3, alert('a', 'firing'));
    await apply(5, alert('a', 'firing'));
    expect(await store.get(incidents[0] as string)).toMatchObject({ status: 'open', truncatedAlerts: 5 });
    await apply(0, alert('a', 'firing'));
    const after = await store.get(incidents[0] as string);
    expect(after?.status).toBe('open');
    expect(after?.truncatedAlerts).toBeUndefined();
  });

  it('when one notification feeds two playbooks, neither incident resolves while alerts are left out', async () => {
    const { store, apply } = setup();
    const { incidents } = await apply(2, alert('a', 'firing'), alert('a', 'firing', 'HighCPUUsage'));
    expect(incidents).toHaveLength(2);
    await apply(2, alert('a', 'resolved'), alert('a', 'resolved', 'HighCPUUsage'));
    for (const id of incidents) {
      expect(await store.get(id)).toMatchObject({ status: 'open', truncatedAlerts: 2, firingCount: 0 });
    }
  });

  it('a joined group that leaves nothing out does not resolve the incident while another group left alerts out', async () => {
    const { store, applyTo } = setup();
    const md = (a: Alert): Alert => ({ ...a, labels: { ...a.labels, namespace: 'md' } });
    const first = await applyTo('g1', 3, md(alert('a', 'firing')), md(alert('b', 'firing')));
    const id = first.incidents[0] as string;
    // A second Alertmanager group of the same playbook and namespace joins the incident.
    expect((await applyTo('g2', 0, md(alert('c', 'firing')))).incidents).toEqual([id]);
    await applyTo('g1', 3, md(alert('a', 'resolved')), md(alert('b', 'resolved')));
    await applyTo('g2', 0, md(alert('c', 'resolved')));
    expect(await store.get(id)).toMatchObject({ status: 'open', firingCount: 0, truncatedAlerts: 3 });
    // The other group's count changes; both add up.
    await applyTo('g2', 2, md(alert('c', 'resolved')));
    expect(await store.get(id)).toMatchObject({ status: 'open', truncatedAlerts: 5 });
    await applyTo('g2', 0, md(alert('c', 'resolved')));
    expect(await store.get(id)).toMatchObject({ status: 'open', truncatedAlerts: 3 });
    // The group that left alerts out says it no longer does: now the incident is whole, and over.
    await applyTo('g1', 0, md(alert('a', 'resolved')));
    expect(await store.get(id)).toMatchObject({ status: 'resolved' });
  });
});
