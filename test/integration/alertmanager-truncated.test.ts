// A real Alertmanager whose perfbot receiver has `max_alerts: 2`, five alerts in one group. It
// lists the first two (by instance) and counts three as truncated; when the listed two resolve
// it sends `status: resolved` for them — the incident must stay open while the others fire
// unseen, and resolve only when a notification that leaves nothing out resolves everything.
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentStore } from '../../src/incidents/store.js';
import type { Incident } from '../../src/incidents/types.js';
import { buildServer } from '../../src/server.js';
import {
  ALERTMANAGER_BINARY,
  type PostableAlert,
  postAlerts,
  startAlertmanager,
} from '../support/alertmanager.js';
import { testCatalog, testDeps, testPlaybook } from '../support/intake.js';
import { testRedis } from '../support/redis.js';
import { skipWithout, type TestServer } from '../support/servers.js';

const catalog = testCatalog(testPlaybook('pipeline-latency', [{ alertname: 'PerfbotTruncatedGroup' }]));
const PODS = ['pod-a', 'pod-b', 'pod-c', 'pod-d', 'pod-e'];

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 45_000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(skipWithout(ALERTMANAGER_BINARY))('real Alertmanager with max_alerts → perfbot', () => {
  let redis: Redis;
  let app: FastifyInstance;
  let am: TestServer;
  let store: IncidentStore;

  beforeAll(async () => {
    const t = testRedis();
    redis = t.redis;
    const deps = testDeps({ redis, prefix: t.prefix, catalog });
    store = deps.incidents;
    app = await buildServer(deps);
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    am = await startAlertmanager({
      webhookUrl: `${address}/alerts/alertmanager`,
      groupBy: ['alertname'],
      maxAlerts: 2,
      repeatInterval: '1h',
    });
  });

  afterAll(async () => {
    await am?.stop();
    await app?.close();
    redis?.disconnect();
  });

  const start = new Date(Date.now() - 60_000);
  const alert = (instance: string, endsAt: Date): PostableAlert => ({
    labels: { alertname: 'PerfbotTruncatedGroup', instance, severity: 'warning' },
    annotations: { summary: `latency on ${instance}` },
    startsAt: start.toISOString(),
    endsAt: endsAt.toISOString(),
  });
  const resolve = (...pods: string[]) => {
    const now = new Date();
    return postAlerts(
      am.url,
      pods.map((p) => alert(p, now)),
    );
  };
  const resolvedIn = (i: Incident | undefined, pods: string[]) =>
    pods.every((p) => i?.alerts.some((a) => a.labels.instance === p && a.status === 'resolved'));

  it('stays open, saying how many alerts are not shown, until nothing is left out', {
    timeout: 120_000,
  }, async () => {
    const later = new Date(Date.now() + 3_600_000);
    await postAlerts(
      am.url,
      PODS.map((p) => alert(p, later)),
    );
    // Alertmanager's first flush may come before it has all five (a loaded machine): the next
    // one, a group_interval (1 s) later, lists two and counts three left out.
    const opened = await waitFor('the incident listing 2 alerts with 3 left out', async () => {
      const i = (await store.listOpen())[0];
      return i?.alertCount === 2 && i.truncatedAlerts === 3 ? i : undefined;
    });
    expect(opened).toMatchObject({ playbookId: 'pipeline-latency', alertCount: 2, truncatedAlerts: 3 });
    const id = opened.id;
    const get = () => store.get(id);

    // The two listed alerts resolve: Alertmanager says "resolved" for the list, three still fire.
    await resolve('pod-a', 'pod-b');
    const afterTwo = await waitFor('pod-a and pod-b resolved', async () => {
      const i = await get();
      return resolvedIn(i, ['pod-a', 'pod-b']) ? i : undefined;
    });
    expect(afterTwo.status).toBe('open');
    // Three alerts still fire, in the list or counted as left out (however the flushes fell).
    expect(afterTwo.firingCount + (afterTwo.truncatedAlerts ?? 0)).toBe(3);
    expect(afterTwo.truncatedAlerts).toBeGreaterThan(0);

    await resolve('pod-c', 'pod-d');
    const afterFour = await waitFor('pod-c and pod-d resolved', async () => {
      const i = await get();
      return resolvedIn(i, ['pod-c', 'pod-d']) ? i : undefined;
    });
    expect(afterFour.status).toBe('open');
    expect(afterFour.firingCount + (afterFour.truncatedAlerts ?? 0)).toBe(1);

    // The last one: a notification that leaves nothing out resolves the group.
    await resolve('pod-e');
    const done = await waitFor('resolved', async () => {
      const i = await get();
      return i?.status === 'resolved' ? i : undefined;
    });
    expect(done).toMatchObject({ status: 'resolved', firingCount: 0, alertCount: 5 });
    expect(done.truncatedAlerts).toBeUndefined();
    expect(await store.listOpen()).toEqual([]);
  });
});
