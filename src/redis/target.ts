// Where perfbot's own Redis is, as one string every part of the bot already passes around (the
// request client, BullMQ's connections, the CLI), so Sentinel and TLS need no new plumbing:
//   redis://… or rediss://…                      a single Redis (as REDIS_URL gives it)
//   rediss://…?ca=/path/ca.pem                   the same over TLS with a custom CA
//   redis-sentinel://[user:pass@]<name>[/db]?sentinels=h:p,h:p[&sentinelPassword=…][&ca=…]
//                                                the primary that Sentinel names <name>;
//                                                `rediss-sentinel://` for TLS to primary and
//                                                Sentinels
// config.ts builds it from REDIS_URL, REDIS_SENTINELS, REDIS_SENTINEL_NAME,
// REDIS_SENTINEL_PASSWORD and REDIS_CA_FILE; connect.ts turns it into ioredis options.
import { readFileSync } from 'node:fs';
import type { RedisOptions } from 'ioredis';
import { ConfigError } from '../errors.js';

export interface RedisTargetParts {
  sentinels: readonly string[];
  sentinelName?: string | undefined;
  sentinelPassword?: string | undefined;
  caFile?: string | undefined;
}

/** REDIS_URL plus the Sentinel/TLS variables → the one connection string (unchanged without them). */
export function redisTargetUrl(url: string, parts: RedisTargetParts): string {
  if (parts.sentinels.length === 0 && !parts.caFile) return url;
  const base = new URL(url);
  if (parts.sentinels.length === 0) {
    base.searchParams.set('ca', parts.caFile as string);
    return base.toString();
  }
  const tls = base.protocol === 'rediss:';
  const out = new URL(`${tls ? 'rediss-sentinel' : 'redis-sentinel'}://${parts.sentinelName ?? 'mymaster'}`);
  out.username = base.username;
  out.password = base.password;
  out.pathname = base.pathname;
  out.searchParams.set('sentinels', parts.sentinels.join(','));
  if (parts.sentinelPassword) out.searchParams.set('sentinelPassword', parts.sentinelPassword);
  if (parts.caFile) out.searchParams.set('ca', parts.caFile);
  return out.toString();
}

export interface ResolvedTarget {
  /** A plain URL for ioredis (absent for Sentinel: everything is in `options`). */
  url: string | undefined;
  options: RedisOptions;
  /** For logs and messages: no credentials. */
  display: string;
  sentinel: boolean;
}

const caCache = new Map<string, Buffer>();

function readCa(file: string): Buffer {
  let ca = caCache.get(file);
  if (!ca) {
    try {
      ca = readFileSync(file);
    } catch (err) {
      throw new ConfigError([`REDIS_CA_FILE: cannot read ${file}: ${(err as Error).message}`]);
    }
    caCache.set(file, ca);
  }
  return ca;
}

function hostPort(entry: string): { host: string; port: number } {
  const i = entry.lastIndexOf(':');
  return { host: entry.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(entry.slice(i + 1)) };
}

export function resolveRedisTarget(target: string): ResolvedTarget {
  const u = new URL(target);
  const caFile = u.searchParams.get('ca') ?? undefined;
  const ca = caFile ? readCa(caFile) : undefined;
  if (u.protocol === 'redis-sentinel:' || u.protocol === 'rediss-sentinel:') {
    const tls = u.protocol === 'rediss-sentinel:';
    const sentinels = (u.searchParams.get('sentinels') ?? '').split(',').filter(Boolean).map(hostPort);
    const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
    const tlsOptions = tls ? (ca ? { ca } : {}) : undefined;
    const options: RedisOptions = {
      sentinels,
      name: u.hostname,
      // No `failoverDetector`: in ioredis 5.11 a +switch-master that arrives while the client
      // is already reconnecting aborts that reconnection for good (status "end"). A dead
      // primary closes the socket anyway, and the reconnect asks the Sentinels afresh.
      ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
      ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
      ...(db !== undefined && Number.isInteger(db) ? { db } : {}),
      ...(u.searchParams.get('sentinelPassword')
        ? { sentinelPassword: u.searchParams.get('sentinelPassword') as string }
        : {}),
      ...(tlsOptions ? { tls: tlsOptions, sentinelTLS: tlsOptions, enableTLSForSentinelMode: true } : {}),
    };
    const where = sentinels.map((s) => `${s.host}:${s.port}`).join(',');
    return {
      url: undefined,
      options,
      display: `${u.protocol}//${u.hostname} (sentinels ${where})`,
      sentinel: true,
    };
  }
  u.searchParams.delete('ca');
  const plain = u.toString();
  const safe = new URL(plain);
  safe.username = '';
  safe.password = '';
  return {
    url: plain,
    options: ca ? { tls: { ca } } : {},
    display: safe.toString(),
    sentinel: false,
  };
}
