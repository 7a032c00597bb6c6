// perfbot's own Redis (incidents, queue, audit). A set REDIS_URL is used as given; without one,
// the default address is tried and, if nothing answers, `serve` starts a private redis-server
// so a newcomer's first run works.
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { type EmbeddedRedis, isListening, startEmbeddedRedis } from './embedded.js';
import { resolveRedisTarget } from './target.js';

export interface RedisHandle {
  url: string;
  embedded: EmbeddedRedis | undefined;
}

export async function resolveRedisUrl(
  config: Config,
  log: Logger,
  options: { allowEmbedded: boolean; dataDir?: string },
): Promise<RedisHandle> {
  if (config.redisUrlExplicit || !options.allowEmbedded) return { url: config.redisUrl, embedded: undefined };
  const { hostname, port } = new URL(config.redisUrl);
  if (await isListening(hostname, Number(port || 6379))) return { url: config.redisUrl, embedded: undefined };
  const dir = options.dataDir ?? join(process.cwd(), '.perfbot', 'redis');
  // On the default address itself, so `perfbot audit`, `worker`, `status` started beside it find
  // it without REDIS_URL; a free port only if another process took that address meanwhile.
  const embedded = await startEmbeddedRedis({ dir, port: Number(port || 6379) }).catch(() =>
    startEmbeddedRedis({ dir }),
  );
  log.warn(
    { url: embedded.url, pid: embedded.pid, dir },
    'REDIS_URL is not set and nothing answers on 127.0.0.1:6379: started a private redis-server (append-only file) for this process',
  );
  return { url: embedded.url, embedded };
}

/**
 * A client for request handling: no offline queue, so a command while Redis is down fails at
 * once (→ 503, the sender retries) instead of hanging the webhook. `url` may name a Redis
 * behind Sentinel or carry a TLS CA (target.ts).
 */
export function createRedis(url: string, options: RedisOptions = {}): Redis {
  return createRedisClient(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...options,
  });
}

/**
 * Any client on perfbot's Redis with the caller's options as given (BullMQ's connections want
 * an offline queue and `maxRetriesPerRequest: null`): plain, TLS with a custom CA, or Sentinel.
 */
export function createRedisClient(url: string, options: RedisOptions = {}): Redis {
  const target = resolveRedisTarget(url);
  const merged = { ...target.options, ...options };
  return target.url === undefined ? new Redis(merged) : new Redis(target.url, merged);
}

/** The address for messages and logs, without credentials. */
export function describeRedisTarget(url: string): string {
  try {
    return resolveRedisTarget(url).display;
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}
