import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../src/redis/embedded.js';
import { buildServer } from '../../src/server.js';

describe('health endpoints', () => {
  let redis: EmbeddedRedis;
  let app: Awaited<ReturnType<typeof createApp>>;
  let server: Awaited<ReturnType<typeof buildServer>>;

  beforeAll(async () => {
    // A private redis-server, because this test stops it.
    redis = await startEmbeddedRedis();
    const config = loadConfig({ REDIS_URL: redis.url, PLAYBOOKS_DIR: 'test/fixtures/serve' });
    app = await createApp({ config, log: silentLogger, redisUrl: redis.url });
    server = await buildServer(app);
  });

  afterAll(async () => {
    await server?.close();
    await app?.close();
    await redis?.stop();
  });

  it('/healthz says the process is alive', async () => {
    const res = await server.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/metrics serves Prometheus text', async () => {
    const res = await server.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('perfbot_alerts_received_total');
  });

  it('/readyz is 200 with Redis and playbooks, 503 naming Redis when it is down', async () => {
    const ready = await server.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', playbooks: 1 });

    await redis.stop();
    const down = await server.inject({ method: 'GET', url: '/readyz' });
    expect(down.statusCode).toBe(503);
    expect(down.json().problems.join(' ')).toMatch(/^redis:/);
  });
});
