// Acknowledge and resolve by hand: one transition each, visible on the incident, on the outbox
// and (through the audit recorder's consumer group) in the audit trail with the person as actor;
// concurrent clicks make the change once.
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { Alert, AlertBatch } from '../../src/alerts/schema.js';
import { startIncidentRecorder } from '../../src/audit/incident-recorder.js';
import { AuditTrail } from '../../src/audit/trail.js';
import { IncidentLifecycle } from '../../src/incidents/lifecycle.js';
import { IncidentStore } from '../../src/incidents/store.js';
import { silentLogger } from '../../src/log.js';
import { routeAlert } from '../../src/playbooks/route.js';
import { testCatalog, testPlaybook } from '../support/intake.js';
import { testRedis } from '../support/redis.js';

const catalog = testCatalog(testPlaybook('sentinel', [{ alertname: 'IngestionSlow' }]));
const T0 = Date.parse('2024-05-03T12:00:00Z');
const clients: Redis[] = [];
afterAll(() => {
  for (const c of clients) c.disconnect();
});

function setup() {
  const { redis, prefix } = testRedis();
  clients.push(redis);
  const clock = { t: T0 };
  const now = () => new Date(clock.t);
  const store = new IncidentStore({ redis, prefix, now });
  const lifecycle = new IncidentLifecycle({ redis, prefix, now });
  const apply = (batch: AlertBatch) =>
    store.apply(
      batch,
      batch.alerts.map((a) => routeAlert(a, catalog)),
    );
  return { redis, prefix, clock, store, lifecycle, apply };
}

/** Azure Monitor: fires, and (for this rule) never sends a resolution. */
function azure(startsAt = T0 - 60_000): AlertBatch {
  const alert: Alert = {
    source: 'azure-monitor',
    name: 'IngestionSlow',
    status: 'firing',
    labels: { alertname: 'IngestionSlow', namespace: 'sentinel' },
    annotations: {},
    startsAt: new Date(startsAt).toISOString(),
    fingerprint: 'azure-rule-1',
  };
  return {
    source: 'azure-monitor',
    group: '/subscriptions/x/alertrules/ingestion',
    alerts: [alert],
    meta: {},
  };
}

const stream = async (s: ReturnType<typeof setup>) =>
  (await s.redis.xrange(`${s.prefix}incident-events`, '-', '+')).map(([, f]) => f[1]);

describe('acknowledge', () => {
  it('records who owns the incident; the same user again changes nothing; another takes it over', async () => {
    const s = setup();
    const [id] = (await s.apply(azure())).incidents as [string];
    s.clock.t += 1000;
    const first = await s.lifecycle.acknowledge(id, 'U0ALICE');
    expect(first).toMatchObject({ outcome: 'acknowledged', previous: undefined });
    if (first.outcome === 'acknowledged')
      expect(first.event).toMatchObject({
        type: 'acknowledged',
        by: 'U0ALICE',
        previous: null,
        incidentId: id,
      });
    expect(await s.store.get(id)).toMatchObject({
      acknowledgedBy: 'U0ALICE',
      acknowledgedAt: new Date(T0 + 1000).toISOString(),
      status: 'open',
    });
    expect(await s.lifecycle.acknowledge(id, 'U0ALICE')).toEqual({ outcome: 'already', owner: 'U0ALICE' });
    expect(await s.lifecycle.acknowledge(id, 'U0BOB')).toMatchObject({
      outcome: 'acknowledged',
      previous: 'U0ALICE',
    });
    expect((await s.store.get(id))?.acknowledgedBy).toBe('U0BOB');
    expect(await stream(s)).toEqual(['opened', 'acknowledged', 'acknowledged']);
    expect(await s.lifecycle.acknowledge('inc-nope-1', 'U0BOB')).toEqual({ outcome: 'not-found' });
    expect(await s.lifecycle.acknowledge('bad:id', 'U0BOB')).toEqual({ outcome: 'not-found' });
  });

  it('ten concurrent clicks by one person: one acknowledgement on the outbox', async () => {
    const s = setup();
    const [id] = (await s.apply(azure())).incidents as [string];
    const results = await Promise.all(
      Array.from({ length: 10 }, () => s.lifecycle.acknowledge(id, 'U0ALICE')),
    );
    expect(results.filter((r) => r.outcome === 'acknowledged')).toHaveLength(1);
    expect(await stream(s)).toEqual(['opened', 'acknowledged']);
  });
});

describe('resolve by hand', () => {
  it('resolves an incident whose source never sends a resolution, once, and says by whom', async () => {
    const s = setup();
    const [id] = (await s.apply(azure())).incidents as [string];
    s.clock.t += 3_600_000;
    const results = await Promise.all(Array.from({ length: 5 }, () => s.lifecycle.resolve(id, 'U0ALICE')));
    expect(results.filter((r) => r.outcome === 'resolved')).toHaveLength(1);
    expect(results.filter((r) => r.outcome === 'already')).toEqual(
      Array.from({ length: 4 }, () => ({ outcome: 'already', by: 'U0ALICE' })),
    );
    const done = results.find((r) => r.outcome === 'resolved');
    if (done?.outcome === 'resolved') {
      expect(done.event).toMatchObject({
        type: 'resolved',
        resolvedBy: 'U0ALICE',
        durationMs: 3_660_000,
        resolvedAt: new Date(T0 + 3_600_000).toISOString(),
      });
    }
    expect(await s.store.get(id)).toMatchObject({
      status: 'resolved',
      resolvedBy: 'U0ALICE',
      durationMs: 3_660_000,
    });
    expect(await s.store.listOpen()).toEqual([]);
    expect(await s.lifecycle.isResolved(id)).toBe(true);
    expect(await s.redis.ttl(`${s.prefix}incident:${id}`)).toBeGreaterThan(0);
    expect(await s.lifecycle.acknowledge(id, 'U0BOB')).toEqual({ outcome: 'resolved' });

    // The same firing alert redelivered does not reopen it; a new firing (later start) opens anew.
    expect((await s.apply(azure())).events).toEqual([]);
    const again = await s.apply(azure(T0 + 7_200_000));
    expect(again.events.map((e) => e.type)).toEqual(['opened']);
    expect(again.incidents[0]).not.toBe(id);
  });

  it('ack and manual resolve reach the audit trail with the person as actor', async () => {
    const s = setup();
    const audit = new AuditTrail({ redis: s.redis, prefix: s.prefix });
    const recorder = startIncidentRecorder({
      redis: s.redis,
      audit,
      log: silentLogger,
      prefix: s.prefix,
      consumer: 't',
    });
    try {
      const [id] = (await s.apply(azure())).incidents as [string];
      await s.lifecycle.acknowledge(id, 'U0ALICE');
      await s.lifecycle.resolve(id, 'U0BOB');
      const deadline = Date.now() + 10_000;
      let events: string[] = [];
      while (Date.now() < deadline) {
        events = (await audit.readTrail({ incident: id })).map((e) => `${e.event} ${e.actor}`);
        if (events.some((e) => e.startsWith('incident.resolved'))) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(events).toEqual([
        'incident.opened azure-monitor',
        'alert.received azure-monitor',
        'incident.acknowledged U0ALICE',
        'incident.resolved U0BOB',
      ]);
      const [resolved] = (await audit.readTrail({ incident: id })).slice(-1);
      expect(resolved?.details).toMatchObject({ manual: true });
    } finally {
      await recorder.stop();
    }
  });
});
