// Two perfbot processes (`node bin/perfbot.js serve`) sharing one Redis, sent the same
// Alertmanager notifications at the same time: exactly one incident per group, one "opened"
// and one "resolved" event each, and both replicas answer with the same incident ids.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../src/redis/embedded.js';
import { ensureBuilt, type PerfbotProcess, startPerfbot } from '../support/perfbot-process.js';
import { skipWithout } from '../support/servers.js';

const TOKEN = 'replica-token';
const PLAYBOOKS = ['data-pipeline', 'sentinel-connector'];
const NAMES = [
  ['HighLatency', 'data-pipeline'],
  ['HighMemoryUsage', 'data-pipeline'],
  ['S3SentinelMemoryHigh', 'sentinel-connector'],
  ['NothingRoutesThis', ''],
] as const;

function notification(g: number, status: 'firing' | 'resolved') {
  const [name, playbook] = NAMES[g % NAMES.length] as (typeof NAMES)[number];
  const size = 1 + (g % 5);
  return {
    receiver: 'perfbot',
    status,
    version: '4',
    groupKey: `{}:{alertname="${name}", group="g${g}"}`,
    truncatedAlerts: 0,
    groupLabels: { alertname: name },
    commonLabels: { alertname: name },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts: Array.from({ length: size }, (_, i) => ({
      status,
      labels: { alertname: name, group: `g${g}`, pod: `pod-${i}`, ...(playbook ? { playbook } : {}) },
      annotations: { summary: `${name} on pod-${i}` },
      startsAt: '2024-05-03T12:00:00Z',
      endsAt: status === 'resolved' ? '2024-05-03T12:30:00Z' : '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph',
      fingerprint: `g${g}-${i}`,
    })),
  };
}

describe.skipIf(skipWithout('redis-server'))('two perfbot processes, one Redis', () => {
  let redisServer: EmbeddedRedis;
  let redis: Redis;
  const replicas: PerfbotProcess[] = [];

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
  }, 240_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    redis?.disconnect();
    await redisServer?.stop();
  });

  const send = async (replica: PerfbotProcess, body: unknown) => {
    const res = await fetch(`${replica.url}/alerts/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as { accepted: number; incidents: string[] };
    if (res.status !== 202) throw new Error(`${res.status} ${JSON.stringify(json)}\n${replica.output()}`);
    return json;
  };

  it('the same notifications, concurrently, give exactly one incident per group', {
    timeout: 120_000,
  }, async () => {
    const groups = 24;
    const round = async (status: 'firing' | 'resolved') => {
      const answers = await Promise.all(
        Array.from({ length: groups }, (_, g) =>
          // Each notification three times to each replica, all at once.
          Promise.all(replicas.flatMap((r) => [0, 1, 2].map(() => send(r, notification(g, status))))),
        ),
      );
      for (const perGroup of answers) {
        const ids = new Set(perGroup.map((a) => JSON.stringify(a.incidents)));
        expect(ids.size).toBe(1);
        expect(perGroup[0]?.incidents).toHaveLength(1);
      }
      return answers.map((a) => a[0]?.incidents[0] as string);
    };

    const opened = await round('firing');
    expect(new Set(opened).size).toBe(groups);
    const resolved = await round('resolved');
    expect(resolved).toEqual(opened);

    const entries = await redis.xrange('perfbot:incident-events', '-', '+');
    const types = entries.map(([, f]) => f[1]);
    expect(types.filter((t) => t === 'opened')).toHaveLength(groups);
    expect(types.filter((t) => t === 'resolved')).toHaveLength(groups);
    expect(types.filter((t) => t === 'alert-added' || t === 'repeated')).toHaveLength(0);
    expect(await redis.keys('perfbot:incident-key:*')).toHaveLength(groups);

    for (const [g, id] of opened.entries()) {
      const hash = await redis.hgetall(`perfbot:incident:${id}`);
      const [, playbook] = NAMES[g % NAMES.length] as (typeof NAMES)[number];
      expect(hash).toMatchObject({ status: 'resolved', playbook, alerts: String(1 + (g % 5)), firing: '0' });
      expect(PLAYBOOKS.includes(playbook) || playbook === '').toBe(true);
    }
  });
});
