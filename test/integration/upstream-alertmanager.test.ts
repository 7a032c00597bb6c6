// The Alertmanager payloads of test/fixtures/upstream/index.json (what Debian's Alertmanager 0.25
// sent, captured by test/support/capture-alertmanager.ts, and the default payload of upstream's
// webhook test at HEAD) through POST /alerts/alertmanager of a real perfbot server with the
// repo's playbooks, alone and in the order they were sent.
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentEvent } from '../../src/incidents/events.js';
import { PlaybookCatalog } from '../../src/playbooks/catalog.js';
import { loadPlaybooksOrThrow } from '../../src/playbooks/loader.js';
import { testRedis } from '../support/redis.js';
import { startUpstreamServer, upstreamBody, upstreamEntries } from '../support/upstream.js';

const ROUTE = '/alerts/alertmanager';
const pods = (status: string, ...names: string[]) =>
  names.map((instance) => ({ status, labels: { instance } }));

const EXPECTED: Record<string, { incident: Record<string, unknown>; alerts: Record<string, unknown>[] }> = {
  'alertmanager/debian/firing': {
    incident: { status: 'open', playbookId: 'data-pipeline', alertCount: 2, firingCount: 2 },
    alerts: pods('firing', 'pod-a', 'pod-b'),
  },
  'alertmanager/debian/resolved': {
    incident: { status: 'resolved', playbookId: 'data-pipeline', alertCount: 2, firingCount: 0 },
    alerts: pods('resolved', 'pod-a', 'pod-b'),
  },
  'alertmanager/debian/truncated-firing': {
    incident: {
      status: 'open',
      playbookId: 'data-pipeline',
      alertCount: 2,
      firingCount: 2,
      truncatedAlerts: 3,
    },
    alerts: pods('firing', 'pod-a', 'pod-b'),
  },
  'alertmanager/debian/truncated-visible-resolved': {
    // Every listed alert resolved, but three were left out: not a resolution of the group.
    incident: {
      status: 'open',
      playbookId: 'data-pipeline',
      alertCount: 2,
      firingCount: 0,
      truncatedAlerts: 3,
    },
    alerts: pods('resolved', 'pod-a', 'pod-b'),
  },
  'alertmanager/head/webhook-default-payload': {
    incident: { status: 'resolved', playbookId: null, title: 'TestAlert', alertCount: 1, firingCount: 0 },
    alerts: [
      {
        name: 'TestAlert',
        status: 'resolved',
        fingerprint: 'dab43189276e5f48',
        startsAt: '2020-01-01T00:00:00.000Z',
        endsAt: '2020-01-01T01:00:00.000Z',
        generatorURL: 'http://generator.url',
        annotations: { summary: 'Test summary' },
      },
    ],
  },
};

let redis: Redis;
let prefix: string;
let catalog: PlaybookCatalog;
const entries = upstreamEntries(ROUTE);
const body = (id: string) => upstreamBody(entries.find((e) => e.id === id) as (typeof entries)[number]);

beforeAll(async () => {
  ({ redis, prefix } = testRedis());
  catalog = new PlaybookCatalog(
    await loadPlaybooksOrThrow(join(import.meta.dirname, '..', '..', 'playbooks')),
  );
});
afterAll(() => redis?.disconnect());

describe('Alertmanager: real webhook payloads through POST /alerts/alertmanager', () => {
  it('has an expectation for every Alertmanager sample of the index, and no other', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(entries.map((e) => e.id).sort());
  });

  it.each(entries.map((e) => [e.id, e] as const))('%s', async (id, entry) => {
    const want = EXPECTED[id] as (typeof EXPECTED)[string];
    const server = await startUpstreamServer({ redis, prefix, catalog });
    try {
      const res = await server.post(ROUTE, upstreamBody(entry));
      expect(res.status).toBe(202);
      const answer = (await res.json()) as { accepted: number; incidents: string[] };
      expect(answer.accepted).toBe(want.alerts.length);
      const incident = await server.store.get(answer.incidents[0] as string);
      expect(incident).toMatchObject({ source: 'alertmanager', ...want.incident });
      expect(incident?.alerts).toMatchObject(want.alerts);
    } finally {
      await server.close();
    }
  });

  it('in the order Alertmanager sent them: firing then resolved is one incident, resolved', async () => {
    const server = await startUpstreamServer({ redis, prefix, catalog });
    try {
      const first = (await (await server.post(ROUTE, body('alertmanager/debian/firing'))).json()) as {
        incidents: string[];
      };
      const second = (await (await server.post(ROUTE, body('alertmanager/debian/resolved'))).json()) as {
        incidents: string[];
      };
      expect(second.incidents).toEqual(first.incidents);
      expect(await server.store.get(first.incidents[0] as string)).toMatchObject({
        status: 'resolved',
        firingCount: 0,
      });
    } finally {
      await server.close();
    }
  });

  it('a truncated group whose listed alerts resolve stays open and says how many are not shown', async () => {
    const server = await startUpstreamServer({ redis, prefix, catalog });
    const events: IncidentEvent[] = [];
    server.store.onEvent((e) => events.push(e));
    try {
      const first = (await (
        await server.post(ROUTE, body('alertmanager/debian/truncated-firing'))
      ).json()) as {
        incidents: string[];
      };
      await server.post(ROUTE, body('alertmanager/debian/truncated-visible-resolved'));
      const id = first.incidents[0] as string;
      expect(await server.store.get(id)).toMatchObject({
        status: 'open',
        firingCount: 0,
        truncatedAlerts: 3,
      });
      expect((await server.store.listOpen()).map((i) => i.id)).toContain(id);
      expect(events.map((e) => e.type)).toEqual(['opened', 'alert-resolved']);
      expect(events[1]).toMatchObject({ type: 'alert-resolved', firing: 0, truncatedAlerts: 3 });
    } finally {
      await server.close();
    }
  });
});
