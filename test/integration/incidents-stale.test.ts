// Open incidents that saw nothing for the stale time are closed (real Redis): atomically, once,
// with a `resolved` outbox event (reason "stale") that the audit recorder records and the chat
// layer turns into a thread update.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Alert, AlertBatch } from '../../src/alerts/schema.js';
import { auditEntriesFor } from '../../src/audit/incident-recorder.js';
import { resolvedReply } from '../../src/chat/incident-message.js';
import { closeStaleIncidents } from '../../src/incidents/stale.js';
import { IncidentStore } from '../../src/incidents/store.js';
import { routeAlert } from '../../src/playbooks/route.js';
import { testCatalog, testPlaybook } from '../support/intake.js';
import { testRedis } from '../support/redis.js';
import {
  alertmanagerPayload,
  type Harness,
  INCIDENT_CHANNEL,
  startHarness,
  waitUntil,
} from './slack-harness.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2024-05-03T12:00:00Z');
const catalog = testCatalog(testPlaybook('latency', [{ alertname: 'HighLatency' }]));
const { redis, prefix } = testRedis();
afterAll(() => redis.disconnect());

const alert = (fp: string): Alert => ({
  source: 'alertmanager',
  name: 'HighLatency',
  status: 'firing',
  labels: { alertname: 'HighLatency', pod: fp },
  annotations: {},
  startsAt: new Date(T0 - 60_000).toISOString(),
  fingerprint: fp,
});
const batch = (group: string, fp: string): AlertBatch => ({
  source: 'alertmanager',
  group,
  alerts: [alert(fp)],
  meta: {},
});

describe('closing stale incidents', () => {
  it('closes only incidents idle past the stale time, once, with an audited resolved/stale event', async () => {
    const clock = { t: T0 };
    const store = new IncidentStore({ redis, prefix, now: () => new Date(clock.t), repeatWindowMs: 1000 });
    const apply = (b: AlertBatch) =>
      store.apply(
        b,
        b.alerts.map((a) => routeAlert(a, catalog)),
      );
    const idle = (await apply(batch('g-idle', 'a'))).incidents[0] as string;
    const busy = (await apply(batch('g-busy', 'b'))).incidents[0] as string;
    clock.t = T0 + 20 * HOUR;
    await apply(batch('g-busy', 'b')); // a repeat: activity

    const now = () => new Date(T0 + 25 * HOUR);
    const closed = await closeStaleIncidents({ redis, prefix, staleAfterMs: 24 * HOUR, now });
    expect(closed.map((e) => [e.incidentId, e.type])).toEqual([[idle, 'resolved']]);
    expect(closed[0]).toMatchObject({ reason: 'stale', alerts: [], durationMs: 25 * HOUR + 60_000 });
    expect(await closeStaleIncidents({ redis, prefix, staleAfterMs: 24 * HOUR, now })).toEqual([]);

    const inc = await store.get(idle);
    expect(inc).toMatchObject({
      status: 'resolved',
      closedReason: 'stale',
      updatedAt: new Date(T0).toISOString(),
    });
    expect(await redis.ttl(`${prefix}incident:${idle}`)).toBeGreaterThan(29 * 86_400);
    expect((await store.listOpen()).map((i) => i.id)).toEqual([busy]);

    // On the outbox, for chat and audit alike.
    const [last] = (await redis.xrevrange(`${prefix}incident-events`, '+', '-', 'COUNT', 1)) as [
      string,
      string[],
    ][];
    expect(last?.[1]).toEqual(expect.arrayContaining(['type', 'resolved', 'incident', idle]));
    const entries = auditEntriesFor(closed[0] as (typeof closed)[0]);
    expect(entries).toEqual([
      expect.objectContaining({
        event: 'incident.resolved',
        incident: idle,
        details: expect.objectContaining({ reason: 'stale' }),
      }),
    ]);
    expect(resolvedReply(inc as NonNullable<typeof inc>).summary).toMatch(/^Closed as stale: HighLatency/);
  });

  it('never closes anything with the stale time off', async () => {
    expect(await closeStaleIncidents({ redis, prefix, staleAfterMs: 0 })).toEqual([]);
  });
});

describe('a stale close in Slack', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it('updates the incident thread', async () => {
    h = await startHarness();
    const res = await h.alertmanager(
      alertmanagerPayload({
        groupKey: '{}:{alertname="Quiet"}',
        status: 'firing',
        alerts: [{ alertname: 'Quiet', fingerprint: 'q1' }],
      }),
    );
    expect(res.status).toBe(202);
    const root = await waitUntil(
      () => h.fake.roots(INCIDENT_CHANNEL).find((m) => m.text.includes('Quiet')),
      'the incident root message',
    );
    const closed = await closeStaleIncidents({
      redis: h.app.redis,
      prefix: h.prefix,
      staleAfterMs: HOUR,
      now: () => new Date(Date.now() + 2 * HOUR),
    });
    expect(closed).toHaveLength(1);
    const reply = await waitUntil(
      () => h.fake.thread(INCIDENT_CHANNEL, root.ts).find((m) => m.text.startsWith('Closed as stale: Quiet')),
      'the stale reply in the thread',
    );
    expect(reply.text).toContain('no alert arrived since');
  });
});
