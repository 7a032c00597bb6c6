// Correlation at the store: alert groups of one playbook and namespace become one incident,
// which records why each group joined; redeliveries and concurrent replicas cannot double it;
// unrouted alerts and alerts without the key label keep an incident per group; a new firing
// alert name after the diagnosis settled asks for a re-diagnosis.
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { Alert, AlertBatch } from '../../src/alerts/schema.js';
import type { IncidentEvent } from '../../src/incidents/events.js';
import { IncidentLifecycle } from '../../src/incidents/lifecycle.js';
import { IncidentStore } from '../../src/incidents/store.js';
import { PlaybookCatalog } from '../../src/playbooks/catalog.js';
import { routeAlert } from '../../src/playbooks/route.js';
import { type LoadedPlaybook, Playbook } from '../../src/playbooks/schema.js';
import { testRedis } from '../support/redis.js';

const NAMES = ['ConnectorLatencyHigh', 'ConnectorS3Slow', 'ConnectorIngestionSlow'];

function playbook(id: string, extra: Record<string, unknown> = {}): LoadedPlaybook {
  return {
    ...Playbook.parse({
      id,
      title: id,
      target: { namespace: 'default' },
      triggers: [{ labels: { playbook: id } }],
      checks: [{ id: 'hpa', kind: 'kubernetes.hpa', title: 'HPA' }],
      ...extra,
    }),
    file: `${id}.yml`,
  };
}

const catalog = new PlaybookCatalog([
  playbook('connector'),
  playbook('solo', { correlation: { enabled: false } }),
  playbook('by-team', { correlation: { key: ['namespace', 'team'], window: '10m', settle: '5m' } }),
]);
const T0 = Date.parse('2024-05-03T12:00:00Z');
const clients: Redis[] = [];
afterAll(() => {
  for (const c of clients) c.disconnect();
});

function setup() {
  const { redis, prefix } = testRedis();
  clients.push(redis);
  const clock = { t: T0 };
  const store = new IncidentStore({ redis, prefix, now: () => new Date(clock.t), repeatWindowMs: 30_000 });
  const events: IncidentEvent[] = [];
  store.onEvent((e) => events.push(e));
  const apply = (batch: AlertBatch, on = store) =>
    on.apply(
      batch,
      batch.alerts.map((a) => routeAlert(a, catalog)),
    );
  return { redis, prefix, clock, store, events, apply };
}

function alert(
  name: string,
  labels: Record<string, string>,
  status: 'firing' | 'resolved' = 'firing',
): Alert {
  return {
    source: 'alertmanager',
    name,
    status,
    labels: { alertname: name, severity: 'warning', ...labels },
    annotations: { summary: `${name} in ${labels.namespace ?? '?'}` },
    startsAt: new Date(T0 - 60_000).toISOString(),
    ...(status === 'resolved' ? { endsAt: new Date(T0 + 600_000).toISOString() } : {}),
    fingerprint: `${name}-${labels.namespace ?? 'none'}-${labels.pod ?? '0'}`,
  };
}

/** Alertmanager grouping by [alertname, namespace]: one notification per name. */
function group(
  name: string,
  labels: Record<string, string>,
  status: 'firing' | 'resolved' = 'firing',
): AlertBatch {
  return {
    source: 'alertmanager',
    group: `{}:{alertname="${name}", namespace="${labels.namespace ?? ''}"}`,
    alerts: [alert(name, { ...labels, pod: 'a' }, status), alert(name, { ...labels, pod: 'b' }, status)],
    meta: { externalURL: 'http://alertmanager.test:9093' },
  };
}

const connector = (name: string, status: 'firing' | 'resolved' = 'firing') =>
  group(name, { namespace: 'connectors', playbook: 'connector' }, status);

describe('correlation of alert groups', () => {
  it('three alert names of one playbook and namespace: one incident that records why each group joined', async () => {
    const s = setup();
    const ids = new Set<string>();
    for (const [i, name] of NAMES.entries()) {
      s.clock.t = T0 + i * 1000;
      for (const id of (await s.apply(connector(name))).incidents) ids.add(id);
    }
    expect(ids.size).toBe(1);
    const id = [...ids][0] as string;
    expect(s.events.map((e) => [e.type, e.group])).toEqual([
      ['opened', connector(NAMES[0] as string).group],
      ['alert-added', connector(NAMES[1] as string).group],
      ['alert-added', connector(NAMES[2] as string).group],
    ]);
    expect(s.events[1]).toMatchObject({ joined: { key: { namespace: 'connectors' } }, incidentId: id });
    const inc = await s.store.get(id);
    expect(inc).toMatchObject({ status: 'open', alertCount: 6, firingCount: 6, title: NAMES[0] });
    expect(inc?.groups).toEqual(
      NAMES.map((name, i) => ({
        source: 'alertmanager',
        group: connector(name).group,
        reason: i === 0 ? 'opened' : 'joined',
        at: new Date(T0 + i * 1000).toISOString(),
        key: { namespace: 'connectors' },
        externalURL: 'http://alertmanager.test:9093',
      })),
    );
    expect(new Set(inc?.alerts.map((a) => a.group))).toEqual(new Set(NAMES.map((n) => connector(n).group)));
    // Each group finds the incident again (status, repeats, resolution all work per group).
    for (const name of NAMES) {
      expect((await s.store.findByGroup(connector(name), 'connector'))?.id).toBe(id);
    }
  });

  it('redeliveries and concurrent replicas still give one incident, one opened, two joins', async () => {
    const s = setup();
    const replicas = Array.from({ length: 4 }, () => {
      const { redis } = testRedis();
      clients.push(redis);
      return new IncidentStore({ redis, prefix: s.prefix, now: () => new Date(s.clock.t) });
    });
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        s.apply(connector(NAMES[i % 3] as string), replicas[i % replicas.length] as IncidentStore),
      ),
    );
    expect(new Set(results.flatMap((r) => r.incidents)).size).toBe(1);
    const types = results.flatMap((r) => r.transitions.map((t) => t.type)).sort();
    expect(types).toEqual(['alert-added', 'alert-added', 'opened']);
    expect(await s.redis.xlen(`${s.prefix}incident-events`)).toBe(3);
    const inc = await s.store.get(results[0]?.incidents[0] as string);
    expect(inc?.alertCount).toBe(6);
    expect(inc?.groups?.map((g) => g.reason).sort()).toEqual(['joined', 'joined', 'opened']);
  });

  it('another namespace, alerts without the key label, unrouted alerts and a playbook without correlation keep their own incidents', async () => {
    const s = setup();
    const first = await s.apply(connector(NAMES[0] as string));
    const other = await s.apply(group(NAMES[1] as string, { namespace: 'staging', playbook: 'connector' }));
    const noLabel = await s.apply(group(NAMES[2] as string, { playbook: 'connector' }));
    const unrouted1 = await s.apply(group('DiskFull', { namespace: 'connectors' }));
    const unrouted2 = await s.apply(group('DiskSlow', { namespace: 'connectors' }));
    const solo1 = await s.apply(group('A', { namespace: 'connectors', playbook: 'solo' }));
    const solo2 = await s.apply(group('B', { namespace: 'connectors', playbook: 'solo' }));
    const all = [first, other, noLabel, unrouted1, unrouted2, solo1, solo2].map((r) => r.incidents[0]);
    expect(new Set(all).size).toBe(7);
    expect(s.events.every((e) => e.type === 'opened')).toBe(true);
    const lone = await s.store.get(noLabel.incidents[0] as string);
    expect(lone?.groups).toMatchObject([{ reason: 'opened', key: null }]);
  });

  it('matches every key label: a group whose alerts disagree on one does not correlate', async () => {
    const s = setup();
    const a = await s.apply(group('A', { namespace: 'n1', team: 'x', playbook: 'by-team' }));
    const b = await s.apply(group('B', { namespace: 'n1', team: 'x', playbook: 'by-team' }));
    const c = await s.apply(group('C', { namespace: 'n1', team: 'y', playbook: 'by-team' }));
    const mixed: AlertBatch = {
      ...group('D', { namespace: 'n1', team: 'x', playbook: 'by-team' }),
      alerts: [
        alert('D', { namespace: 'n1', team: 'x', playbook: 'by-team', pod: 'a' }),
        alert('D', { namespace: 'n1', team: 'y', playbook: 'by-team', pod: 'b' }),
      ],
    };
    const d = await s.apply(mixed);
    expect(b.incidents).toEqual(a.incidents);
    expect(c.incidents).not.toEqual(a.incidents);
    expect(d.incidents).not.toEqual(a.incidents);
    expect(s.events[1]).toMatchObject({
      type: 'alert-added',
      joined: { key: { namespace: 'n1', team: 'x' } },
    });
  });

  it('the window: a group arriving after the incident was quiet for the window opens its own', async () => {
    const s = setup();
    const a = await s.apply(group('A', { namespace: 'n1', team: 'x', playbook: 'by-team' }));
    s.clock.t += 9 * 60_000;
    // Joining renews the window.
    const b = await s.apply(group('B', { namespace: 'n1', team: 'x', playbook: 'by-team' }));
    s.clock.t += 9 * 60_000;
    const c = await s.apply(group('C', { namespace: 'n1', team: 'x', playbook: 'by-team' }));
    s.clock.t += 11 * 60_000;
    const d = await s.apply(group('D', { namespace: 'n1', team: 'x', playbook: 'by-team' }));
    expect(b.incidents).toEqual(a.incidents);
    expect(c.incidents).toEqual(a.incidents);
    expect(d.incidents).not.toEqual(a.incidents);
  });

  it('resolves only when every group has resolved; then the key map of every group expires and a new group opens anew', async () => {
    const s = setup();
    const [id] = (await s.apply(connector(NAMES[0] as string))).incidents;
    await s.apply(connector(NAMES[1] as string));
    const partly = await s.apply(connector(NAMES[0] as string, 'resolved'));
    expect(partly.events.map((e) => e.type)).toEqual(['alert-resolved']);
    const done = await s.apply(connector(NAMES[1] as string, 'resolved'));
    expect(done.events.map((e) => e.type)).toEqual(['resolved']);
    expect(await s.store.get(id as string)).toMatchObject({
      status: 'resolved',
      alertCount: 4,
      firingCount: 0,
    });
    for (const name of NAMES.slice(0, 2)) {
      const key = `${s.prefix}incident-key:alertmanager:connector:${connector(name).group}`;
      expect(await s.redis.ttl(key)).toBeGreaterThan(0);
    }
    expect(await s.redis.keys(`${s.prefix}correlation:*`)).toEqual([]);
    const next = await s.apply(connector(NAMES[2] as string));
    expect(next.incidents[0]).not.toBe(id);
    expect(next.events.map((e) => e.type)).toEqual(['opened']);
  });
});

describe('re-diagnosis when the firing alert names change', () => {
  it('names joining within the settle time are covered; a new name after it asks once', async () => {
    const s = setup();
    const byTeam = (name: string, status: 'firing' | 'resolved' = 'firing') =>
      group(name, { namespace: 'n1', team: 'x', playbook: 'by-team' }, status);
    const [id] = (await s.apply(byTeam('A'))).incidents;
    s.clock.t += 60_000;
    await s.apply(byTeam('B')); // 1 min after the diagnosis: covered by it
    s.clock.t += 5 * 60_000;
    const c = await s.apply(byTeam('C')); // 6 min: a re-diagnosis
    expect(c.events.map((e) => e.type)).toEqual(['alert-added', 'rediagnose']);
    expect(c.events[1]).toMatchObject({
      incidentId: id,
      newNames: ['C'],
      firingNames: ['A', 'B', 'C'],
      alerts: [],
    });
    s.clock.t += 60_000;
    const d = await s.apply(byTeam('D')); // 1 min after that re-diagnosis: covered
    expect(d.events.map((e) => e.type)).toEqual(['alert-added']);
    // A resolves and fires again later: it was firing at the last diagnosis, nothing new.
    s.clock.t += 10_000;
    await s.apply(byTeam('A', 'resolved'));
    s.clock.t += 9 * 60_000;
    const again = byTeam('A');
    for (const a of again.alerts) a.startsAt = new Date(T0 + 3_600_000).toISOString();
    const refired = await s.apply(again);
    expect(refired.events.map((e) => e.type)).toEqual(['repeated']);
    // More alerts of a name already firing change nothing either.
    s.clock.t += 9 * 60_000;
    const more = byTeam('B');
    for (const a of more.alerts) a.fingerprint += '-2';
    expect((await s.apply(more)).events.map((e) => e.type)).toEqual(['alert-added']);
    const trail = s.events.filter((e) => e.type === 'rediagnose');
    expect(trail).toHaveLength(1);
  });

  it('a diagnosis asked for by hand restarts the settle time', async () => {
    const s = setup();
    const lifecycle = new IncidentLifecycle({
      redis: s.redis,
      prefix: s.prefix,
      now: () => new Date(s.clock.t),
    });
    const byTeam = (name: string) => group(name, { namespace: 'n1', team: 'x', playbook: 'by-team' });
    const [id] = (await s.apply(byTeam('A'))).incidents as [string];
    s.clock.t += 6 * 60_000;
    expect(await lifecycle.markDiagnosed(id)).toBe(true);
    // 7 min after opening, 1 min after the diagnosis by hand: covered.
    s.clock.t += 60_000;
    expect((await s.apply(byTeam('B'))).events.map((e) => e.type)).toEqual(['alert-added']);
    s.clock.t += 6 * 60_000;
    expect((await s.apply(byTeam('C'))).events.map((e) => e.type)).toEqual(['alert-added', 'rediagnose']);
  });

  it('unrouted incidents never ask (nothing diagnoses them)', async () => {
    const s = setup();
    await s.apply({ ...group('X', { namespace: 'n' }), group: 'g' });
    s.clock.t += 3_600_000;
    const later = await s.apply({ ...group('Y', { namespace: 'n' }), group: 'g' });
    expect(later.events.map((e) => e.type)).toEqual(['alert-added']);
  });
});
