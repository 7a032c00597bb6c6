import { describe, expect, it } from 'vitest';
import { testRedis } from '../support/redis.js';

describe('test harness', () => {
  it('provides a private Redis that answers PING', async () => {
    const { redis } = testRedis();
    expect(await redis.ping()).toBe('PONG');
    redis.disconnect();
  });
});
