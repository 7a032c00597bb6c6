// perfbot's own Redis (incidents, queue, audit). A set REDIS_URL is used as given; without one,
// the default address is tried and, if nothing answers, `serve` starts a private redis-server
// so a newcomer's first run works. When Redis cannot be reached, people get one line naming the
// address and what to do: CLI commands fail with it at once; `serve` keeps trying, warns once a
// minute, and /readyz says why it is not ready (see ./health.ts).
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config.js';
import { StoreUnavailableError } from '../errors.js';
import type { Logger } from '../log.js';
import { type EmbeddedRedis, isListening, startEmbeddedRedis } from './embedded.js';
import { redactRedisUrl, redisReason, watchRedis } from './health.js';
import { resolveRedisTarget } from './target.js';

export {
  isRedisConnectionError,
  type RedisHealth,
  redactRedisUrl,
  redisHealth,
  redisReason,
  watchRedis,
} from './health.js';

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
/** What to do about it, for the one line: depends on whether the address was chosen. */
export function redisHint(explicit: boolean): string {
  return explicit
    ? 'check that Redis runs there, or correct REDIS_URL'
    : 'start redis-server (`npm start` starts one), or set REDIS_URL';
}

/**
 * The one line every command prints when Redis cannot be reached, e.g.
 * `perfbot: cannot reach Redis at redis://127.0.0.1:6379 (ECONNREFUSED) — start redis-server …`.
 */
export function redisUnreachableLine(url: string, err: unknown, options: { explicit: boolean }): string {
  return `perfbot: cannot reach Redis at ${redactRedisUrl(url)} (${redisReason(err)}) — ${redisHint(options.explicit)}`;
}

/** Redis could not be reached; the message is the one line above (no stack for people). */
export class RedisUnreachableError extends StoreUnavailableError {
  constructor(
    readonly url: string,
    cause: unknown,
    options: { explicit: boolean },
  ) {
    super(redisUnreachableLine(url, cause, options), cause);
  }
}

/**
 * For one-shot commands (status, audit, list, diagnose): one connection attempt within
 * `timeoutMs`, no retries, so an unreachable Redis fails at once with RedisUnreachableError.
 * The client returned has the request-handling options of createRedis.
 */
export async function connectRedisOnce(
  url: string,
  options: { explicit: boolean; timeoutMs?: number; redis?: RedisOptions } = { explicit: true },
): Promise<Redis> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const redis = createRedis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
    // Behind Sentinel: ask the Sentinels once, instead of ioredis' default of for ever.
    sentinelRetryStrategy: () => null,
    ...options.redis,
  });
  let last: unknown;
  // ioredis reports the cause as an 'error' event; connect() itself only says the connection closed.
  const onError = (err: unknown) => {
    last = err;
  };
  redis.on('error', onError);
  let timer: NodeJS.Timeout | undefined;
  // A hard deadline as well: connectTimeout covers one socket, not a round of Sentinels.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })),
      timeoutMs + 500,
    );
  });
  try {
    await Promise.race([redis.connect(), deadline]);
  } catch (err) {
    // A client that gave up is already closed; disconnecting it again would start ioredis'
    // 2-second "stream still open" timer on the dead socket and hold the command's exit that long.
    if (redis.status !== 'end') redis.disconnect();
    throw new RedisUnreachableError(url, last ?? err, options);
  } finally {
    clearTimeout(timer);
    redis.off('error', onError);
  }
  return redis;
}

/**
 * The long-lived client of `serve` and `worker`: the request-handling options of createRedis,
 * reconnecting for ever (backoff up to 2 s), with a watcher that logs one warning line a minute
 * while Redis is away (no stack traces) and gives /readyz its reason.
 */
export function createWatchedRedis(
  url: string,
  options: { log: Logger; explicit: boolean; warnEveryMs?: number; redis?: RedisOptions },
): Redis {
  const redis = createRedis(url, options.redis);
  watchRedis(redis, {
    url,
    log: options.log,
    hint: redisHint(options.explicit),
    warnEveryMs: options.warnEveryMs,
  });
  return redis;
}

/**
 * A connection for BullMQ (queue, worker): commands wait while reconnecting
 * (maxRetriesPerRequest: null, as BullMQ requires), and the same watcher, so an outage is one
 * warning a minute for all of perfbot's clients of that address.
 */
export function createQueueRedis(
  url: string,
  options: { log: Logger; explicit?: boolean; warnEveryMs?: number },
): Redis {
  // ioredis' own reconnect schedule (and, behind Sentinel, its own way back to the new primary).
  const redis = createRedisClient(url, { maxRetriesPerRequest: null });
  watchRedis(redis, {
    url,
    log: options.log,
    hint: redisHint(options.explicit ?? true),
    warnEveryMs: options.warnEveryMs,
  });
  return redis;
}

/** Resolves true once the client is ready, false after `ms` (never rejects: `serve` starts anyway). */
export function redisReady(redis: Redis, ms: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    redis.on('ready', onReady);
  });
}
