// The intake's durability wait against real redis-server processes: with a replica, a batch is
// answered only once the replica acknowledged it (one WAIT per batch); a replica that does not
// answer in time makes it a 503 that says the alerts may or may not be stored, and the retry is
// deduplicated. Without replicas nothing waits. A stalled Redis gives the same honest 503.
import { generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AlertBatch } from '../../src/alerts/schema.js';
import { parseAuditKey } from '../../src/audit/key.js';
import { AuditTrail } from '../../src/audit/trail.js';
import { StoreUnavailableError } from '../../src/errors.js';
import { IncidentStore } from '../../src/incidents/store.js';
import { routeAlert } from '../../src/playbooks/route.js';
import { createRedis } from '../../src/redis/connect.js';
import { onlineReplicas, ReplicaWait } from '../../src/redis/replica-wait.js';
import { buildServer } from '../../src/server.js';
import { payload, testCatalog, testDeps, testPlaybook } from '../support/intake.js';
import {
  haBinariesMissing,
  type RedisProc,
  startPrimaryReplica,
  startRedisServer,
  waitFor,
} from '../support/redis-ha.js';

const missing = haBinariesMissing();
if (missing) console.warn(`skipping the replica-wait tests: ${missing}`);
const catalog = testCatalog(testPlaybook('latency', [{ alertname: 'HighLatency' }]));

const batch = (group: string): AlertBatch => ({
  source: 'alertmanager',
  group,
  meta: {},
  alerts: [
    {
      source: 'alertmanager',
      name: 'HighLatency',
      status: 'firing',
      labels: { alertname: 'HighLatency' },
      annotations: {},
      startsAt: '2024-05-01T12:00:00.000Z',
      fingerprint: `fp-${group}`,
    },
  ],
});

describe.skipIf(missing)('WAIT for a replica before 202 (real primary + replica)', () => {
  let primary: RedisProc;
  let replica: RedisProc;
  let client: Redis;
  let wait: ReplicaWait;
  let store: IncidentStore;
  const apply = (b: AlertBatch) =>
    store.apply(
      b,
      b.alerts.map((a) => routeAlert(a, catalog)),
    );

  beforeAll(async () => {
    ({ primary, replica } = await startPrimaryReplica());
    client = createRedis(primary.url);
    client.on('error', () => {});
    // Generous: this machine may be busy; the short-timeout case below uses its own policy.
    wait = new ReplicaWait({ redis: client, replicas: 1, timeoutMs: 10_000 }).start();
    await waitFor('the replica count', async () => (await wait.refresh()) === 1);
    store = new IncidentStore({ redis: client, prefix: 'w:', replicaWait: wait });
  });
  afterAll(async () => {
    wait?.stop();
    client?.disconnect();
    replica?.signal('SIGCONT');
    await replica?.kill('SIGTERM');
    await primary?.kill('SIGTERM');
  });

  it('answers once the replica has the write', async () => {
    const res = await apply(batch('g1'));
    expect(res.incidents).toHaveLength(1);
    const onReplica = new Redis(replica.url);
    try {
      expect(await onReplica.exists(`w:incident:${res.incidents[0]}`)).toBe(1);
    } finally {
      onReplica.disconnect();
    }
    expect(await client.info('commandstats')).toMatch(/cmdstat_wait:calls=\d+/);
  });

  it('a replica that does not acknowledge in time → 503 that does not promise anything; the retry is deduplicated', async () => {
    replica.signal('SIGSTOP');
    let server: FastifyInstance | undefined;
    const short = { count: 1, timeoutMs: 500 };
    try {
      const deps = testDeps({ redis: client, prefix: 'w:', catalog, store: { replicaWait: short } });
      server = await buildServer(deps);
      const res = await server.inject({
        method: 'POST',
        url: '/alerts/alertmanager',
        headers: { 'content-type': 'application/json' },
        payload: payload('alertmanager-firing'),
      });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.json().error).toMatch(
        /0 of 1 replica\(s\) acknowledged the write within 500 ms; the alerts may or may not have been stored; retry \(a retry is deduplicated\)/,
      );
      await expect(apply(batch('g2'))).rejects.toBeInstanceOf(StoreUnavailableError);
      // It did reach the primary: a 503 is not a promise that nothing was stored.
      expect(await client.exists('w:incident-key:alertmanager\u0000g2\u0000latency')).toBeGreaterThanOrEqual(
        0,
      );
    } finally {
      replica.signal('SIGCONT');
      await server?.close();
    }
    await waitFor(
      'the replica to catch up',
      async () => (await apply(batch('probe'))).incidents.length === 1,
    );
    const events: string[] = [];
    const off = store.onEvent((e) => events.push(e.type));
    const retry = await apply(batch('g2'));
    off();
    expect(retry.incidents).toHaveLength(1);
    expect(events).toEqual([]); // already stored by the 503'd attempt: the retry changed nothing
    expect((await store.get(retry.incidents[0] as string))?.alertCount).toBe(1);
  });

  it('logs an audit checkpoint as the outside anchor once a replica has it, and says so when none did', async () => {
    const lines: { checkpoint?: { sig: string; replicated?: boolean } }[] = [];
    const log = pino(
      { level: 'info' },
      new Writable({
        write(chunk, _enc, done) {
          for (const l of String(chunk).trim().split('\n')) lines.push(JSON.parse(l));
          done();
        },
      }),
    );
    const { privateKey } = generateKeyPairSync('ed25519');
    const key = parseAuditKey(Buffer.from(privateKey.export({ type: 'pkcs8', format: 'pem' })), 'test');
    const trail = new AuditTrail({ redis: client, prefix: 'w:', key, log, replicaWait: wait });
    const entry = await trail.checkpoint();
    expect(lines.at(-1)?.checkpoint).toMatchObject({ sig: entry?.details.sig, replicated: true });
    const onReplica = new Redis(replica.url);
    try {
      // What the log names is on the replica: a failover now cannot make the anchor vanish.
      expect(await onReplica.xrange('w:audit', entry?.id ?? '', entry?.id ?? '')).toHaveLength(1);
    } finally {
      onReplica.disconnect();
    }

    replica.signal('SIGSTOP');
    try {
      const short = new AuditTrail({
        redis: client,
        prefix: 'w:',
        key,
        log,
        replicaWait: { count: 1, timeoutMs: 300 },
      });
      await short.checkpoint();
      expect(lines.at(-1)?.checkpoint).toMatchObject({ replicated: false });
    } finally {
      replica.signal('SIGCONT');
    }
    // Without replicas to wait for, the line carries no such field.
    const lone = new AuditTrail({ redis: client, prefix: 'w:', key, log });
    await lone.checkpoint();
    expect(lines.at(-1)?.checkpoint).not.toHaveProperty('replicated');
  });
});

describe.skipIf(missing)('without replicas, and when Redis stalls', () => {
  let lone: RedisProc;
  let client: Redis;
  afterEach(() => {
    lone?.signal('SIGCONT');
  });
  afterAll(async () => {
    client?.disconnect();
    await lone?.kill('SIGTERM');
  });

  it('does not wait when there is no replica, and a stall past the timeout is an honest 503', async () => {
    lone = await startRedisServer();
    client = createRedis(lone.url);
    client.on('error', () => {});
    const wait = new ReplicaWait({ redis: client, replicas: 1, timeoutMs: 500 }).start();
    await waitFor('the client', async () => client.status === 'ready');
    expect(await wait.refresh()).toBe(0);
    const store = new IncidentStore({ redis: client, prefix: 's:', replicaWait: wait, timeoutMs: 300 });
    const apply = (b: AlertBatch) =>
      store.apply(
        b,
        b.alerts.map((a) => routeAlert(a, catalog)),
      );
    expect((await apply(batch('a'))).incidents).toHaveLength(1);
    expect(await client.info('commandstats')).not.toMatch(/cmdstat_wait:/);

    lone.signal('SIGSTOP'); // Redis stalls with the request already sent
    const stalled = apply(batch('b'));
    await expect(stalled).rejects.toThrow(
      /no answer from Redis in 300 ms; the alerts may or may not have been stored/,
    );
    lone.signal('SIGCONT');
    const retry = await waitForValue(() => apply(batch('b')));
    const inc = await store.get(retry.incidents[0] as string);
    expect(inc?.alertCount).toBe(1); // stored once, whichever attempt wrote it
    wait.stop();
  });

  it('counts only online replicas of a primary', () => {
    expect(
      onlineReplicas(
        'role:master\r\nconnected_slaves:2\r\nslave0:ip=127.0.0.1,port=1,state=online,offset=1,lag=0\r\nslave1:ip=127.0.0.1,port=2,state=wait_bgsave,offset=0,lag=0\r\n',
      ),
    ).toBe(1);
  });
});

async function waitForValue<T>(fn: () => Promise<T>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
