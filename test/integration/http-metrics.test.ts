// perfbot_http_requests_total / _duration_seconds over a real listening server: labelled by the
// route pattern (an unknown URL is "unmatched", never its raw path), method and status code.
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type ServerDeps } from '../../src/server.js';
import { testCatalog, testDeps } from '../support/intake.js';
import { testRedis } from '../support/redis.js';

describe('HTTP request metrics', () => {
  let redis: Redis;
  let deps: ServerDeps;
  let server: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    const r = testRedis();
    redis = r.redis;
    deps = testDeps({
      redis,
      prefix: r.prefix,
      catalog: testCatalog(),
      env: { PERFBOT_WEBHOOK_TOKEN: 'tok' },
    });
    server = await buildServer(deps);
    base = await server.listen({ port: 0, host: '127.0.0.1' });
  });

  afterAll(async () => {
    await server?.close();
    redis?.disconnect();
  });

  it('counts responses by route pattern, method and code', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const unauthorized = await fetch(`${base}/alerts/alertmanager?token=wrong`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(unauthorized.status).toBe(401);
    expect((await fetch(`${base}/wp-login.php?user=admin`)).status).toBe(404);

    const res = await fetch(`${base}/metrics`);
    const text = await res.text();
    expect(text).toContain('perfbot_http_requests_total{route="/healthz",method="GET",code="200"} 2');
    expect(text).toContain(
      'perfbot_http_requests_total{route="/alerts/alertmanager",method="POST",code="401"} 1',
    );
    expect(text).toContain('perfbot_http_requests_total{route="unmatched",method="GET",code="404"} 1');
    expect(text).toMatch(
      /perfbot_http_request_duration_seconds_count\{route="\/healthz",method="GET",code="200"\} 2/,
    );
    // Neither the raw path nor the query string (which may carry the webhook token) becomes a label.
    expect(text).not.toContain('wp-login');
    expect(text).not.toContain('token=');
  });
});
