// The connector scenario end to end: three alert names of one problem, which a real Alertmanager
// (grouping by [alertname, namespace]) sends as three notifications, reach two real
// `perfbot serve` replicas — every notification twice to each, at once — and become ONE
// incident: one `opened`, two correlated joins that record why, one thread, one diagnosis.
// Unrouted alerts in the same namespace keep an incident per group.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEntry } from '../../src/audit/trail.js';
import { IncidentStore } from '../../src/incidents/store.js';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../src/redis/embedded.js';
import { ALERTMANAGER_BINARY, postAlerts, startAlertmanager } from '../support/alertmanager.js';
import { ensureBuilt, type PerfbotProcess, startPerfbot } from '../support/perfbot-process.js';
import { skipWithout, type TestServer } from '../support/servers.js';

const TOKEN = 'correlation-token';
const CONNECTOR = [
  'S3SentinelProcessingLatencyHigh',
  'S3SentinelS3DownloadLatencyHigh',
  'S3SentinelIngestionLatencyHigh',
];

async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>) {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const skip = skipWithout(ALERTMANAGER_BINARY) || skipWithout('redis-server');

describe.skipIf(skip)('correlation: real Alertmanager → two perfbot serve replicas', () => {
  let redisServer: EmbeddedRedis;
  let redis: Redis;
  let am: TestServer;
  let proxy: Server;
  const replicas: PerfbotProcess[] = [];
  const delivered = new Map<string, number>();

  beforeAll(async () => {
    await ensureBuilt();
    redisServer = await startEmbeddedRedis();
    redis = new Redis(redisServer.url);
    const env = {
      REDIS_URL: redisServer.url,
      PERFBOT_WEBHOOK_TOKEN: TOKEN,
      PLAYBOOKS_DIR: 'playbooks',
      LOG_LEVEL: 'warn',
    };
    replicas.push(
      ...(await Promise.all([startPerfbot(env, ['--no-worker']), startPerfbot(env, ['--no-worker'])])),
    );
    // Each notification goes to both replicas twice, concurrently: replicas and redeliveries.
    proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const body = Buffer.concat(chunks).toString();
        const key = (JSON.parse(body) as { groupKey: string }).groupKey;
        delivered.set(key, (delivered.get(key) ?? 0) + 1);
        const answers = await Promise.all(
          replicas.flatMap((r) =>
            [0, 1].map(() =>
              fetch(`${r.url}/alerts/alertmanager`, {
                method: 'POST',
                headers: {
                  'content-type': 'application/json',
                  authorization: req.headers.authorization ?? '',
                },
                body,
              }),
            ),
          ),
        );
        const first = answers[0] as Response;
        res.writeHead(first.status, { 'content-type': 'application/json' }).end(await first.text());
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    am = await startAlertmanager({
      webhookUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/`,
      bearerToken: TOKEN,
      groupBy: ['alertname', 'namespace'],
      repeatInterval: '1h',
    });
  }, 240_000);

  afterAll(async () => {
    await am?.stop();
    await new Promise((r) => proxy?.close(r));
    await Promise.all(replicas.map((r) => r.stop()));
    redis?.disconnect();
    await redisServer?.stop();
  });

  it('three alert names of the connector: one incident, why each group joined, one thread, one diagnosis', {
    timeout: 180_000,
  }, async () => {
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const labels = { namespace: 'connectors', playbook: 'sentinel-connector', job: 's3-sentinel-connector' };
    await postAlerts(am.url, [
      ...CONNECTOR.map((alertname, i) => ({
        labels: { alertname, severity: i === 0 ? 'critical' : 'warning', ...labels },
        annotations: { summary: `${alertname} on the connector` },
        endsAt: later,
      })),
      // Nothing routes these: an incident per Alertmanager group, as before.
      { labels: { alertname: 'DiskAlmostFull', namespace: 'connectors' }, endsAt: later },
      { labels: { alertname: 'InodesAlmostFull', namespace: 'connectors' }, endsAt: later },
    ]);
    await waitFor('five groups delivered', () => delivered.size === 5);

    const store = new IncidentStore({ redis });
    const events = async () =>
      (await redis.xrange('perfbot:incident-events', '-', '+')).map(([, f]) => JSON.parse(f[5] as string));
    const all = await waitFor('the events of five groups', async () => {
      const e = await events();
      return e.filter((x) => x.type === 'opened' || x.joined).length === 5 ? e : undefined;
    });
    expect(
      all
        .filter((e) => e.type === 'opened')
        .map((e) => e.title)
        .sort(),
    ).toEqual(['DiskAlmostFull', 'InodesAlmostFull', expect.stringMatching(/^S3Sentinel/)]);
    const opened = all.find((e) => e.type === 'opened' && e.playbookId === 'sentinel-connector');
    const joins = all.filter((e) => e.type === 'alert-added');
    expect(joins).toHaveLength(2);
    for (const j of joins)
      expect(j).toMatchObject({
        incidentId: opened.incidentId,
        joined: { key: { namespace: 'connectors' } },
      });
    // Nothing doubled: no repeats or re-adds from the 4× delivery.
    expect(all.map((e) => e.type).sort()).toEqual([
      'alert-added',
      'alert-added',
      'opened',
      'opened',
      'opened',
    ]);

    const incident = await store.get(opened.incidentId);
    expect(incident).toMatchObject({
      status: 'open',
      alertCount: 3,
      firingCount: 3,
      playbookId: 'sentinel-connector',
    });
    expect(incident?.groups?.map((g) => [g.reason, g.key])).toEqual([
      ['opened', { namespace: 'connectors' }],
      ['joined', { namespace: 'connectors' }],
      ['joined', { namespace: 'connectors' }],
    ]);
    expect(new Set(incident?.groups?.map((g) => g.externalURL))).toEqual(new Set([am.url]));
    expect(new Set(incident?.alerts.map((a) => a.name))).toEqual(new Set(CONNECTOR));

    // Rendered once (terminal mode: one thread) and diagnosed once, whichever replica did it.
    await waitFor('the thread', async () => (await store.get(opened.incidentId))?.thread);
    const diagnosed = async () =>
      ((await redis.xrange('perfbot:audit', '-', '+')) as [string, string[]][])
        .map(parseEntry)
        .filter((e) => e.event === 'diagnosis.done' && e.incident === opened.incidentId);
    await waitFor('the diagnosis', async () => (await diagnosed()).length > 0);
    const correlated = await waitFor('the joins in the audit trail', async () => {
      const entries = ((await redis.xrange('perfbot:audit', '-', '+')) as [string, string[]][])
        .map(parseEntry)
        .filter((e) => e.event === 'incident.correlated');
      return entries.length === 2 ? entries : undefined;
    });
    expect(correlated.map((e) => e.incident)).toEqual([opened.incidentId, opened.incidentId]);
    expect(await diagnosed()).toHaveLength(1);
    expect((await store.listOpen()).length).toBe(3);
  });
});
