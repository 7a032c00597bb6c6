// What every CLI command shares: where it writes, and how a one-shot command reaches Redis —
// at once or with one clear line naming the URL and what to do (never ioredis' retry text).
import { Redis } from 'ioredis';
import { StoreUnavailableError } from '../src/errors.js';

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export const stdio: Io & { isTTY: boolean } = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  isTTY: process.stdout.isTTY === true,
};

/** One-shot commands: no reconnecting, no offline queue; a clear error if Redis is not there. */
export async function connectOnce(url: string, timeoutMs = 3000): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
  });
  redis.on('error', () => {}); // the failing connect below says what went wrong
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new StoreUnavailableError(unreachableRedis(url, err), err);
  }
  return redis;
}

/** "cannot reach Redis at URL (ECONNREFUSED): start redis-server or set REDIS_URL". */
export function unreachableRedis(url: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const why = code ?? (err instanceof Error ? err.message : String(err));
  return `cannot reach Redis at ${redactUrl(url)} (${why}): start redis-server there, or set REDIS_URL to perfbot's Redis`;
}

/** A password in a Redis URL never reaches the terminal. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}
