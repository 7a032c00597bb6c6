// INFO from the diagnosed Redis with ioredis: one short-lived connection per call (a check runs
// rarely; a pooled connection to somebody else's Redis would only hold a client slot), a short
// connect timeout, no retries and no offline queue, so a dead Redis fails fast.
import { Redis } from 'ioredis';
import { PerfbotError, TimeoutError, UpstreamError } from '../../errors.js';
import type { RedisInfoPort } from './port.js';

const SERVICE = 'redis';

export interface RedisInfoClientOptions {
  /** TARGET_REDIS_URL: the Redis diagnosed, not perfbot's own. */
  url: string;
  connectTimeoutMs?: number;
  now?: () => number;
}

/** host:port for messages; the URL itself may carry a password. */
export function describeRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '6379'}`;
  } catch {
    return 'redis';
  }
}

export function createRedisInfoClient(options: RedisInfoClientOptions): RedisInfoPort {
  const now = options.now ?? Date.now;
  return {
    async info({ signal, url }) {
      const target = url ?? options.url;
      const what = `INFO on ${describeRedisUrl(target)}`;
      const started = now();
      const aborted = () => {
        const reason: unknown = signal.reason;
        return reason instanceof PerfbotError ? reason : new TimeoutError(what, now() - started);
      };
      if (signal.aborted) throw aborted();
      const redis = new Redis(target, {
        lazyConnect: true,
        connectTimeout: options.connectTimeoutMs ?? 2000,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        enableOfflineQueue: false,
      });
      // A refused AUTH arrives as an 'error' event and the command then fails with
      // "Connection is closed.": keep the event, it is the real story. (Listening also stops
      // ioredis from printing it.)
      let connectionError: Error | undefined;
      redis.on('error', (err: Error) => {
        connectionError ??= err;
      });
      const onAbort = () => redis.disconnect();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        await redis.connect();
        return await redis.info();
      } catch (err) {
        if (signal.aborted) throw aborted();
        const cause = connectionError ?? err;
        const message = cause instanceof Error ? cause.message : String(cause);
        // A reply error (NOAUTH, WRONGPASS, unknown command) will not fix itself.
        const replyError = cause instanceof Error && cause.name === 'ReplyError';
        throw new UpstreamError(SERVICE, `${what}: ${message}`, { cause, retryable: !replyError });
      } finally {
        signal.removeEventListener('abort', onAbort);
        redis.disconnect();
      }
    },
  };
}
