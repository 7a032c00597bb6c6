// Redis: INFO of the Redis the pipeline uses as its cache (TARGET_REDIS_URL).
import { redisInfoCheck } from './checks.js';

export { createRedisInfoClient, describeRedisUrl, type RedisInfoClientOptions } from './client.js';
export { infoNumber, parseInfoSubfields, parseRedisInfo } from './info.js';
export type { RedisInfoCallOptions, RedisInfoPort } from './port.js';

export const redisChecks = {
  'redis.info': redisInfoCheck,
} as const;
