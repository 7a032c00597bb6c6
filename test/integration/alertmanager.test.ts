// A real Alertmanager delivering to perfbot over HTTP: fire → repeat → resolve is one incident;
// with perfbot's Redis stopped the webhook answers 503, Alertmanager retries, and once Redis is
// back the retry lands with nothing missing.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentEvent } from '../../src/incidents/events.js';
import type { IncidentStore } from '../../src/incidents/store.js';
import { createRedis } from '../../src/redis/connect.js';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../src/redis/embedded.js';
import { buildServer } from '../../src/server.js';
import {
  ALERTMANAGER_BINARY,
  type PostableAlert,
  postAlerts,
  startAlertmanager,
} from '../support/alertmanager.js';
import { testCatalog, testDeps, testPlaybook } from '../support/intake.js';
import { skipWithout, type TestServer } from '../support/servers.js';

const TOKEN = 'am-test-token';
const catalog = testCatalog(
  testPlaybook('pipeline-latency', [
    { alertname: 'PerfbotTestLatency', labels: { playbook: 'pipeline-latency' } },
  ]),
);

async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  ms = 45_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe.skipIf(skipWithout(ALERTMANAGER_BINARY))('real Alertmanager → perfbot', () => {
  let redisDir: string;
  let redisServer: EmbeddedRedis;
  let redis: Redis;
  let app: FastifyInstance;
  let am: TestServer;
  let store: IncidentStore;
  let deps: ReturnType<typeof testDeps>;
  const events: IncidentEvent[] = [];

  beforeAll(async () => {
    // perfbot's own Redis, persistent (append-only file) so a restart keeps what was stored.
    redisDir = await mkdtemp(join(tmpdir(), 'perfbot-am-redis-'));
    redisServer = await startEmbeddedRedis({ dir: redisDir });
    redis = createRedis(redisServer.url, { retryStrategy: () => 200 });
    redis.on('error', () => {});
    await waitFor('redis ready', () => redis.status === 'ready' || undefined);
    deps = testDeps({
      redis,
      prefix: 'am:',
      catalog,
      env: { PERFBOT_WEBHOOK_TOKEN: TOKEN },
      // Alertmanager repeats every 3s here; anything within 1s is the same notification.
      store: { repeatWindowMs: 1000 },
    });
    store = deps.incidents;
    store.onEvent((e) => events.push(e));
    app = await buildServer(deps);
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    am = await startAlertmanager({
      webhookUrl: `${address}/alerts/alertmanager`,
      bearerToken: TOKEN,
      groupBy: ['alertname'],
      groupWait: '1s',
      groupInterval: '1s',
      repeatInterval: '3s',
    });
  });

  afterAll(async () => {
    await am?.stop();
    await app?.close();
    redis?.disconnect();
    await redisServer?.stop();
    if (redisDir) await rm(redisDir, { recursive: true, force: true });
  });

  const alert = (name: string, instance: string, endsAt: Date, startsAt: Date): PostableAlert => ({
    labels: {
      alertname: name,
      instance,
      service: 'normalizer',
      playbook: 'pipeline-latency',
      severity: 'warning',
    },
    annotations: { summary: `${name} on ${instance}` },
    startsAt: startsAt.toISOString(),
    endsAt: endsAt.toISOString(),
    generatorURL: 'http://prometheus.test/graph?g0.expr=up',
  });

  it('fire, repeat, resolve: one incident that opens, counts repeats and resolves', {
    timeout: 90_000,
  }, async () => {
    const start = new Date(Date.now() - 5_000);
    const later = new Date(Date.now() + 3_600_000);
    const firing = [
      alert('PerfbotTestLatency', 'pod-a', later, start),
      alert('PerfbotTestLatency', 'pod-b', later, start),
    ];
    await postAlerts(am.url, firing);

    const opened = await waitFor('opened', () =>
      events.find((e) => e.type === 'opened' && e.title === 'PerfbotTestLatency'),
    );
    expect(opened).toMatchObject({ playbookId: 'pipeline-latency', source: 'alertmanager' });
    const id = opened.incidentId;
    await waitFor('both alerts', async () => ((await store.get(id))?.alertCount === 2 ? true : undefined));

    // Alertmanager re-sends the unchanged group after repeat_interval.
    await waitFor('a repeat', () => events.find((e) => e.type === 'repeated' && e.incidentId === id));
    const repeated = await store.get(id);
    expect(repeated).toMatchObject({ status: 'open', firingCount: 2 });
    expect(repeated?.repeats).toBeGreaterThanOrEqual(1);

    const end = new Date();
    await postAlerts(am.url, [
      alert('PerfbotTestLatency', 'pod-a', end, start),
      alert('PerfbotTestLatency', 'pod-b', end, start),
    ]);
    const resolved = await waitFor('resolved', () =>
      events.find((e) => e.type === 'resolved' && e.incidentId === id),
    );
    expect(resolved).toMatchObject({ type: 'resolved', durationMs: end.getTime() - start.getTime() });

    const inc = await store.get(id);
    expect(inc).toMatchObject({ status: 'resolved', alertCount: 2, firingCount: 0 });
    expect(inc?.alerts.map((a) => [a.labels.instance, a.status])).toEqual([
      ['pod-a', 'resolved'],
      ['pod-b', 'resolved'],
    ]);
    const forGroup = events.filter((e) => e.type === 'opened' && e.title === 'PerfbotTestLatency');
    expect(forGroup).toHaveLength(1);
    expect(
      (await store.findByGroup({ source: 'alertmanager', group: opened.group }, 'pipeline-latency'))?.id,
    ).toBe(id);
  });

  it('Redis stopped: 503 and Alertmanager retries; after Redis is back the retry lands, nothing missing', {
    timeout: 90_000,
  }, async () => {
    const before = await store.listOpen();
    const earlier = events.find((e) => e.type === 'opened')?.incidentId as string;
    const rejected = () =>
      deps.metrics.webhookRejected
        .get()
        .then((m) => m.values.find((v) => v.labels.reason === 'unavailable')?.value ?? 0);
    const port = redisServer.port;
    await redisServer.stop();

    const start = new Date(Date.now() - 1_000);
    const later = new Date(Date.now() + 3_600_000);
    const names = ['pod-x', 'pod-y', 'pod-z'];
    await postAlerts(
      am.url,
      names.map((n) => alert('PerfbotTestDuringOutage', n, later, start)),
    );
    await waitFor('a 503 to Alertmanager', async () => ((await rejected()) >= 2 ? true : undefined));

    redisServer = await startEmbeddedRedis({ dir: redisDir, port });
    const opened = await waitFor('the retried notification', () =>
      events.find((e) => e.type === 'opened' && e.title === 'PerfbotTestDuringOutage'),
    );
    const inc = await waitFor('all outage alerts', async () => {
      const i = await store.get(opened.incidentId);
      return i && i.alertCount === 3 ? i : undefined;
    });
    expect(inc.alerts.map((a) => a.labels.instance).sort()).toEqual(names);
    // What was stored before the outage survived it.
    expect((await store.get(earlier))?.alertCount).toBe(2);
    expect((await store.listOpen()).map((i) => i.id)).toEqual([
      ...before.map((i) => i.id),
      opened.incidentId,
    ]);
  });
});
