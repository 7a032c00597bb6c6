// Watching perfbot's own Redis connection. ioredis reports every failed reconnect as an 'error'
// event (every 2 s at our backoff); logging each with its stack buried the one thing a person
// needs: which address, why, and what to do. The watcher logs one warning line when Redis goes
// away and then at most one a minute (per address, whatever the number of clients), one line
// when it is back, and keeps the reason for /readyz.
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';

export interface RedisHealth {
  readonly ready: boolean;
  /** Why the client is not ready, for /readyz; undefined when it is. */
  problem(): string | undefined;
}

export interface WatchRedisOptions {
  url: string;
  log: Logger;
  /** What to do about it, appended to the warning. */
  hint?: string;
  /** Default one minute. */
  warnEveryMs?: number | undefined;
  now?: () => number;
}

const watched = new WeakMap<Redis, RedisHealth>();

/** The health of a client made by watchRedis (or createWatchedRedis); undefined for others. */
export function redisHealth(redis: Redis): RedisHealth | undefined {
  return watched.get(redis);
}

/** redis://user:secret@host:6379/0 → redis://user:***@host:6379/0 */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    // Behind Sentinel the address carries the Sentinels' own password too (target.ts).
    if (u.searchParams.has('sentinelPassword')) u.searchParams.set('sentinelPassword', '***');
    return u.toString();
  } catch {
    return 'an invalid REDIS_URL';
  }
}

/** A short cause: the system error code (ECONNREFUSED, ENOTFOUND, ETIMEDOUT) or the first line. */
export function redisReason(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  if (typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code)) return e.code;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (/WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(message))
    return 'authentication failed';
  if (/connect ETIMEDOUT|timed? ?out/i.test(message)) return 'timed out';
  // ioredis' words when the port speaks something else (an HTTP server, a proxy).
  if (/^Protocol error, got /.test(message)) return 'what answers there is not Redis';
  return message.split('\n')[0]?.slice(0, 120) || 'unknown error';
}

/** A refused, lost or timed-out connection: the watcher reports it; callers need not log it again. */
export function isRedisConnectionError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined;
  if (typeof e?.code === 'string' && CONNECTION_CODES.has(e.code)) return true;
  const message = typeof e?.message === 'string' ? e.message : '';
  if (CONNECTION_MESSAGE.test(message)) return true;
  return e?.cause !== undefined && e.cause !== err && isRedisConnectionError(e.cause);
}

/**
 * A background job's failure (a sweep, a periodic check): while Redis is away the watcher says so
 * once a minute, so the job's own failure then goes to debug; anything else is logged at `level`.
 * Without this, every timer in serve (one every 2 s) added its own warning to the watcher's.
 */
export function logJobFailure(log: Logger, level: 'warn' | 'error', err: unknown, msg: string): void {
  if (isRedisConnectionError(err)) log.debug({ err }, msg);
  else log[level]({ err }, msg);
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);
const CONNECTION_MESSAGE =
  /Connection is closed|Stream isn't writeable|max retries per request|connect E[A-Z]+|Socket closed unexpectedly/;

/**
 * Per address, shared by every client of it in the process (the request client, BullMQ's queue
 * and worker connections): one warning a minute and one "reachable again" in all, not one each.
 */
interface AddressState {
  lastWarn: number | undefined;
  announced: boolean;
}
const addresses = new Map<string, AddressState>();

export function watchRedis(redis: Redis, options: WatchRedisOptions): RedisHealth {
  const existing = watched.get(redis);
  if (existing) return existing;
  const now = options.now ?? Date.now;
  const every = options.warnEveryMs ?? 60_000;
  const url = redactRedisUrl(options.url);
  let shared = addresses.get(url);
  if (!shared) {
    shared = { lastWarn: undefined, announced: false };
    addresses.set(url, shared);
  }
  const address = shared;
  let ready = redis.status === 'ready';
  let reason: string | undefined;
  let downSince: number | undefined;
  let failures = 0;

  const down = (why: string) => {
    ready = false;
    reason = why;
    downSince ??= now();
    failures++;
    const t = now();
    if (address.lastWarn !== undefined && t - address.lastWarn < every) return;
    address.lastWarn = t;
    address.announced = true;
    // Fields, no error object: the stack of a refused connection helps nobody.
    options.log.warn(
      { url, reason: why, since: new Date(downSince).toISOString(), failures, hint: options.hint },
      'cannot reach Redis: retrying',
    );
  };
  redis.on('error', (err: unknown) => down(redisReason(err)));
  redis.on('end', () => {
    ready = false;
    reason ??= 'connection closed';
  });
  redis.on('ready', () => {
    if (downSince !== undefined && address.announced) {
      options.log.info({ url, downForMs: now() - downSince, failures }, 'Redis reachable again');
      address.announced = false;
      address.lastWarn = undefined;
    }
    ready = true;
    reason = undefined;
    downSince = undefined;
    failures = 0;
  });

  const health: RedisHealth = {
    get ready() {
      return ready;
    },
    problem() {
      if (ready) return undefined;
      if (downSince === undefined) return `connecting to ${url}`;
      const hint = options.hint ? ` — ${options.hint}` : '';
      return `cannot reach ${url} (${reason}) since ${new Date(downSince).toISOString()}, retrying${hint}`;
    },
  };
  watched.set(redis, health);
  return health;
}
