// redis.info against real redis-servers: a fresh one (exact counters) and the harness's.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckContext } from '../../src/diagnostics/types.js';
import { ErrorCode } from '../../src/errors.js';
import {
  createRedisInfoClient,
  parseRedisInfo,
  type RedisInfoPort,
  redisChecks,
} from '../../src/integrations/redis/index.js';
import { silentLogger } from '../../src/log.js';
import { CHECK_PARAMS } from '../../src/playbooks/kinds.js';
import { type EmbeddedRedis, freePort, startEmbeddedRedis } from '../../src/redis/embedded.js';
import { testRedisUrl } from '../support/redis.js';
import { skipWithout } from '../support/servers.js';

function ctx(params: unknown, signal = AbortSignal.timeout(10_000)): CheckContext<'redis.info'> {
  return {
    params: CHECK_PARAMS['redis.info'].parse(params),
    namespace: 'data-processing',
    target: { namespace: 'data-processing', selector: {}, workloads: [] },
    signal,
    now: () => new Date(),
    log: silentLogger,
  };
}

const check = redisChecks['redis.info'];

describe.skipIf(skipWithout('redis-server'))('redis.info against a real redis-server', () => {
  let server: EmbeddedRedis;
  let admin: Redis;
  let port: RedisInfoPort;

  beforeAll(async () => {
    server = await startEmbeddedRedis();
    admin = new Redis(server.url, { maxRetriesPerRequest: 1 });
    port = createRedisInfoClient({ url: server.url });
  });

  afterAll(async () => {
    admin?.disconnect();
    await server?.stop();
  });

  it('hit-rate: unknown without lookups, then hits / (hits + misses)', async () => {
    await admin.config('RESETSTAT');
    const idle = await check.run(ctx({ measure: 'hit-rate' }), port);
    expect(idle.value).toBeUndefined();
    expect(idle.summary).toMatch(/^no data/);

    await admin.set('cache:a', '1');
    for (let i = 0; i < 3; i++) expect(await admin.get('cache:a')).toBe('1');
    expect(await admin.get('cache:missing')).toBeNull();
    const m = await check.run(ctx({ measure: 'hit-rate' }), port);
    expect(m.value).toBe(0.75);
    expect(m.evidence?.counts).toEqual({ keyspace_hits: 3, keyspace_misses: 1 });
    expect(m.summary).toBe('hit rate 75.0% (3 hits, 1 misses)');
  });

  it('memory: used_memory with maxmemory and policy as evidence', async () => {
    await admin.config('SET', 'maxmemory', String(100 * 1024 * 1024));
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    const m = await check.run(ctx({ measure: 'memory' }), port);
    const used = Number((await admin.info('memory')).match(/used_memory:(\d+)/)?.[1]);
    expect(m.value).toBeGreaterThan(0);
    // same order of magnitude as a second look (the two INFO calls are not the same instant)
    expect(Math.abs((m.value ?? 0) - used)).toBeLessThan(used / 2);
    expect(m.evidence?.rows?.[0]).toMatchObject({ maxmemory: 104857600, maxmemory_policy: 'allkeys-lru' });
    expect(m.summary).toContain('of 100.0 MiB maxmemory');
    expect(m.summary).toContain('policy allkeys-lru');
  });

  it('evictions: evicted_keys after filling a small maxmemory', async () => {
    const before = await check.run(ctx({ measure: 'evictions' }), port);
    expect(before.value).toBe(0);
    const used = Number((await admin.info('memory')).match(/used_memory:(\d+)/)?.[1]);
    await admin.config('SET', 'maxmemory', String(used + 256 * 1024));
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    const blob = 'x'.repeat(1024);
    const pipe = admin.pipeline();
    for (let i = 0; i < 2000; i++) pipe.set(`fill:${i}`, blob);
    await pipe.exec();
    const m = await check.run(ctx({ measure: 'evictions' }), port);
    const evicted = Number((await admin.info('stats')).match(/evicted_keys:(\d+)/)?.[1]);
    expect(m.value).toBeGreaterThan(0);
    expect(m.value).toBe(evicted);
    expect(m.summary).toContain('policy allkeys-lru');
    await admin.config('SET', 'maxmemory', '0');
    await admin.flushall();
  });

  it('clients: connected clients besides its own connection', async () => {
    const extra = [0, 1, 2].map(() => new Redis(server.url));
    try {
      await Promise.all(extra.map((c) => c.ping()));
      const m = await check.run(ctx({ measure: 'clients' }), port);
      // admin + 3 extra; the check's own INFO connection is not counted
      expect(m.value).toBe(4);
      expect(m.evidence?.counts).toMatchObject({
        connected_clients: 4,
        blocked_clients: 0,
        maxclients: 10000,
      });
    } finally {
      for (const c of extra) c.disconnect();
    }
  });

  it('inspects the Redis named by the check url instead of the configured one', async () => {
    const shared = new Redis(testRedisUrl());
    try {
      const runId = async (r: Redis) => parseRedisInfo(await r.info('server')).run_id;
      const viaUrl = parseRedisInfo(
        await port.info({ signal: AbortSignal.timeout(5000), url: testRedisUrl() }),
      );
      const configured = parseRedisInfo(await port.info({ signal: AbortSignal.timeout(5000) }));
      expect(viaUrl.run_id).toBe(await runId(shared));
      expect(configured.run_id).toBe(await runId(admin));
      expect(viaUrl.run_id).not.toBe(configured.run_id);
      const m = await check.run(ctx({ measure: 'clients', url: testRedisUrl() }), port);
      expect(m.value).toBeGreaterThanOrEqual(1); // at least `shared`
    } finally {
      shared.disconnect();
    }
  });

  it('fails fast and retryable when nothing listens', async () => {
    const dead = createRedisInfoClient({ url: `redis://127.0.0.1:${await freePort()}` });
    const err = await check.run(ctx({ measure: 'clients' }), dead).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.UpstreamRetryable });
    expect((err as Error).message).toMatch(/^redis: INFO on 127\.0\.0\.1:\d+: /);
  });

  it('does not retry a refused AUTH, and keeps the password out of the message', async () => {
    await admin.config('SET', 'requirepass', 'the-real-one');
    try {
      const url = server.url.replace('redis://', 'redis://:s3cret-pass@');
      const err = await check.run(ctx({ measure: 'clients', url }), port).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: ErrorCode.Upstream, retryable: false });
      expect((err as Error).message).toContain('WRONGPASS');
      expect((err as Error).message).not.toContain('s3cret-pass');
    } finally {
      await admin.config('SET', 'requirepass', '');
    }
  });

  it('honours an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(check.run(ctx({ measure: 'memory' }, controller.signal), port)).rejects.toMatchObject({
      code: ErrorCode.Timeout,
    });
  });
});
