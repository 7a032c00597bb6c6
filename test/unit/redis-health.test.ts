// What people see when perfbot's Redis is away: one line naming the address, the cause and what
// to do; one warning a minute however many clients retry; a reason for /readyz.
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../../src/log.js';
import {
  isRedisConnectionError,
  RedisUnreachableError,
  redactRedisUrl,
  redisHealth,
  redisReason,
  redisUnreachableLine,
  watchRedis,
} from '../../src/redis/connect.js';
import { logJobFailure } from '../../src/redis/health.js';

/** The part of an ioredis client the watcher uses: its events and status. */
class FakeRedis extends EventEmitter {
  status = 'connecting';
}

function capture(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({
    pretty: false,
    level: 'debug',
    destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
  });
  return { log, lines };
}

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });

describe('the one line', () => {
  it('names the address, the cause and what to do', () => {
    expect(redisUnreachableLine('redis://127.0.0.1:6379', refused, { explicit: false })).toBe(
      'perfbot: cannot reach Redis at redis://127.0.0.1:6379 (ECONNREFUSED) — start redis-server (`npm start` starts one), or set REDIS_URL',
    );
    expect(redisUnreachableLine('redis://cache.internal:6380/2', refused, { explicit: true })).toBe(
      'perfbot: cannot reach Redis at redis://cache.internal:6380/2 (ECONNREFUSED) — check that Redis runs there, or correct REDIS_URL',
    );
  });

  it('never shows a password', () => {
    expect(redactRedisUrl('redis://perfbot:s3cret@redis:6379/0')).toBe('redis://perfbot:***@redis:6379/0');
    expect(redactRedisUrl('rediss://:s3cret@redis:6379')).toBe('rediss://:***@redis:6379');
    // Behind Sentinel (REDIS_SENTINEL_PASSWORD travels in the address).
    const sentinel = redactRedisUrl(
      'redis-sentinel://:s3cret@mymaster/0?sentinels=s0%3A26379&sentinelPassword=s3ntinel',
    );
    expect(sentinel).not.toContain('s3cret');
    expect(sentinel).not.toContain('s3ntinel');
    expect(sentinel).toContain('sentinels=s0%3A26379');
    const err = new RedisUnreachableError('redis://:s3cret@redis:6379', refused, { explicit: true });
    expect(err.message).not.toContain('s3cret');
    expect(err.retryable).toBe(true);
  });

  it('says the cause briefly', () => {
    expect(redisReason(refused)).toBe('ECONNREFUSED');
    expect(redisReason(Object.assign(new Error('getaddrinfo ENOTFOUND redis'), { code: 'ENOTFOUND' }))).toBe(
      'ENOTFOUND',
    );
    expect(redisReason(new Error('WRONGPASS invalid username-password pair or user is disabled.'))).toBe(
      'authentication failed',
    );
    expect(redisReason(new Error('connect ETIMEDOUT'))).toBe('timed out');
    expect(redisReason(new Error('Protocol error, got "H" as reply type byte. Please report this.'))).toBe(
      'what answers there is not Redis',
    );
  });

  it('tells connection errors from others', () => {
    expect(isRedisConnectionError(refused)).toBe(true);
    expect(
      isRedisConnectionError(new Error("Stream isn't writeable and enableOfflineQueue options is false")),
    ).toBe(true);
    expect(isRedisConnectionError(new Error('wrapped', { cause: refused }))).toBe(true);
    expect(isRedisConnectionError(new Error('ERR unknown command'))).toBe(false);
  });
});

describe('watchRedis', () => {
  it('warns once a minute while Redis is away, without a stack, and once when it is back', () => {
    let t = Date.parse('2026-11-22T13:00:00Z');
    const { log, lines } = capture();
    const redis = new FakeRedis();
    const health = watchRedis(redis as unknown as Redis, {
      url: 'redis://:pw@127.0.0.1:6390',
      log,
      hint: 'start redis-server',
      now: () => t,
    });
    expect(health.problem()).toBe('connecting to redis://:***@127.0.0.1:6390');
    // ioredis retries every 2 s: 90 attempts in three minutes.
    for (let i = 0; i < 90; i++) {
      redis.emit('error', refused);
      t += 2000;
    }
    const warnings = lines.filter((l) => l.msg === 'cannot reach Redis: retrying');
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatchObject({
      url: 'redis://:***@127.0.0.1:6390',
      reason: 'ECONNREFUSED',
      since: '2026-11-22T13:00:00.000Z',
      hint: 'start redis-server',
    });
    expect(JSON.stringify(lines)).not.toContain('stack');
    expect(health.ready).toBe(false);
    expect(health.problem()).toBe(
      'cannot reach redis://:***@127.0.0.1:6390 (ECONNREFUSED) since 2026-11-22T13:00:00.000Z, retrying — start redis-server',
    );
    expect(redisHealth(redis as unknown as Redis)).toBe(health);

    redis.emit('ready');
    expect(health.ready).toBe(true);
    expect(health.problem()).toBeUndefined();
    expect(lines.filter((l) => l.msg === 'Redis reachable again')).toHaveLength(1);
    expect(lines).toHaveLength(4);
  });

  it('warns once for all clients of one address', () => {
    const t = Date.parse('2026-11-22T14:00:00Z');
    const { log, lines } = capture();
    const clients = [new FakeRedis(), new FakeRedis(), new FakeRedis()];
    for (const c of clients)
      watchRedis(c as unknown as Redis, { url: 'redis://127.0.0.1:6391', log, now: () => t });
    for (const c of clients) c.emit('error', refused);
    expect(lines.filter((l) => l.msg === 'cannot reach Redis: retrying')).toHaveLength(1);
    for (const c of clients) c.emit('ready');
    expect(lines.filter((l) => l.msg === 'Redis reachable again')).toHaveLength(1);
  });
});

describe('a background job failing', () => {
  it('while Redis is away goes to debug (the watcher says it); any other failure at its level', () => {
    const { log, lines } = capture();
    const offline = new Error("Stream isn't writeable and enableOfflineQueue options is false");
    logJobFailure(log, 'warn', offline, 'silence check failed');
    logJobFailure(log, 'warn', refused, 'silence check failed');
    logJobFailure(log, 'error', new Error('ERR syntax error'), 'audit retention failed');
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['debug', 'silence check failed'],
      ['debug', 'silence check failed'],
      ['error', 'audit retention failed'],
    ]);
  });
});
