// Incident transitions reach the audit trail through the outbox's "audit" consumer group: alerts
// that fire and resolve leave incident.opened, an alert.received per event listing every alert
// of it, and incident.resolved, recorded once even with two replicas reading; the chain verifies.
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { AlertBatch } from '../../src/alerts/schema.js';
import { startIncidentRecorder } from '../../src/audit/incident-recorder.js';
import { AuditTrail } from '../../src/audit/trail.js';
import { IncidentStore } from '../../src/incidents/store.js';
import { silentLogger } from '../../src/log.js';
import { testRedis } from '../support/redis.js';

const clients: Redis[] = [];
afterAll(() => {
  for (const c of clients) c.disconnect();
});

const batch = (status: 'firing' | 'resolved', names: string[]): AlertBatch => ({
  source: 'alertmanager',
  group: '{}:{alertname="HighLatency"}',
  meta: {},
  alerts: names.map((name) => ({
    source: 'alertmanager' as const,
    name,
    status,
    labels: { alertname: name },
    annotations: {},
    startsAt: '2026-11-22T10:00:00.000Z',
    ...(status === 'resolved' ? { endsAt: '2026-11-22T10:07:00.000Z' } : {}),
    fingerprint: `fp-${name}`,
  })),
});

async function until(cond: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('audit entries never arrived');
}

describe('incident events → audit trail', () => {
  it('records alerts received, opened and resolved once, with two replicas reading', async () => {
    const t = testRedis();
    const other = t.redis.duplicate();
    clients.push(t.redis, other);
    const store = new IncidentStore({ redis: t.redis, prefix: t.prefix });
    const audit = new AuditTrail({ redis: t.redis, prefix: t.prefix });
    const replicas = [t.redis, other].map((redis, i) =>
      startIncidentRecorder({ redis, audit, log: silentLogger, prefix: t.prefix, consumer: `replica-${i}` }),
    );

    const opened = await store.apply(batch('firing', ['HighLatency', 'HighP99Latency']), [{}, {}]);
    await store.apply(batch('resolved', ['HighLatency', 'HighP99Latency']), [{}, {}]);
    const incident = opened.events[0]?.incidentId;
    expect(incident).toBeDefined();

    await until(async () =>
      (await audit.readTrail({ incident })).some((e) => e.event === 'incident.resolved'),
    );
    await Promise.all(replicas.map((r) => r.stop()));

    const trail = await audit.readTrail({ incident });
    const events = trail.map((e) => e.event);
    expect(events.filter((e) => e === 'incident.opened')).toHaveLength(1);
    expect(events.filter((e) => e === 'incident.resolved')).toHaveLength(1);
    // two alerts fired (one event) and two resolved (another): every receipt is in the trail
    const received = trail.filter((e) => e.event === 'alert.received').map((e) => e.details);
    expect(received).toEqual([
      expect.objectContaining({
        status: 'firing',
        alerts: [
          { alert: 'HighLatency', fingerprint: 'fp-HighLatency', startsAt: '2026-11-22T10:00:00.000Z' },
          { alert: 'HighP99Latency', fingerprint: 'fp-HighP99Latency', startsAt: '2026-11-22T10:00:00.000Z' },
        ],
      }),
      expect.objectContaining({
        status: 'resolved',
        alerts: [
          expect.objectContaining({ fingerprint: 'fp-HighLatency' }),
          expect.objectContaining({ fingerprint: 'fp-HighP99Latency' }),
        ],
      }),
    ]);
    expect(events.indexOf('incident.opened')).toBeLessThan(events.indexOf('incident.resolved'));
    expect((await audit.verifyTrail()).ok).toBe(true);
  });
});
