// Tests share the one redis-server of the global set-up; each test takes its own key prefix
// (every Redis-backed module accepts one), so files running in parallel never meet.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';

export function testRedisUrl(): string {
  return inject('redisUrl');
}

/** A client on the shared test Redis and a key prefix nobody else uses. */
export function testRedis(): { redis: Redis; url: string; prefix: string } {
  const url = testRedisUrl();
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  return { redis, url, prefix: `t${randomUUID().slice(0, 8)}:` };
}
