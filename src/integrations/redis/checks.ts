// redis.info: the runbook's Redis questions (is the cache hitting, is it full, is it evicting,
// how many clients) answered from one INFO call.
import type { CheckDefinition, Measurement } from '../../diagnostics/types.js';
import { formatBytes, infoNumber, parseRedisInfo } from './info.js';
import type { RedisInfoPort } from './port.js';

type Fields = Record<string, string>;

const missing = (key: string): Measurement => ({ summary: `no data: INFO has no ${key}` });

export function measureHitRate(f: Fields): Measurement {
  const hits = infoNumber(f, 'keyspace_hits');
  const misses = infoNumber(f, 'keyspace_misses');
  if (hits === undefined || misses === undefined) return missing('keyspace_hits/keyspace_misses');
  const counts = { keyspace_hits: hits, keyspace_misses: misses };
  if (hits + misses === 0) {
    // No reads since start (or CONFIG RESETSTAT): a rate of 0 would be a lie.
    return { summary: 'no data: no key lookups since the statistics were reset', evidence: { counts } };
  }
  const rate = hits / (hits + misses);
  return {
    value: rate,
    summary: `hit rate ${(rate * 100).toFixed(1)}% (${hits} hits, ${misses} misses)`,
    evidence: { counts },
  };
}

function memoryRow(f: Fields): Record<string, string | number | null> {
  return {
    used_memory: infoNumber(f, 'used_memory') ?? null,
    used_memory_peak: infoNumber(f, 'used_memory_peak') ?? null,
    maxmemory: infoNumber(f, 'maxmemory') ?? null,
    maxmemory_policy: f.maxmemory_policy ?? null,
    mem_fragmentation_ratio: infoNumber(f, 'mem_fragmentation_ratio') ?? null,
  };
}

export function measureMemory(f: Fields): Measurement {
  const used = infoNumber(f, 'used_memory');
  if (used === undefined) return missing('used_memory');
  const max = infoNumber(f, 'maxmemory') ?? 0;
  const policy = f.maxmemory_policy ?? 'unknown';
  const limit =
    max > 0
      ? `of ${formatBytes(max)} maxmemory (${((used / max) * 100).toFixed(0)}%)`
      : 'with no maxmemory limit';
  return {
    value: used,
    summary: `${formatBytes(used)} used ${limit}, policy ${policy}`,
    evidence: { rows: [memoryRow(f)], counts: { used_memory: used, maxmemory: max } },
  };
}

export function measureEvictions(f: Fields): Measurement {
  const evicted = infoNumber(f, 'evicted_keys');
  if (evicted === undefined) return missing('evicted_keys');
  const policy = f.maxmemory_policy ?? 'unknown';
  return {
    value: evicted,
    summary: `${evicted} keys evicted since start (policy ${policy})`,
    evidence: {
      rows: [memoryRow(f)],
      counts: { evicted_keys: evicted, expired_keys: infoNumber(f, 'expired_keys') ?? 0 },
    },
  };
}

/** `own`: connections perfbot itself holds while asking (1: the INFO connection). */
export function measureClients(f: Fields, own = 1): Measurement {
  const reported = infoNumber(f, 'connected_clients');
  if (reported === undefined) return missing('connected_clients');
  const connected = Math.max(0, reported - own);
  const max = infoNumber(f, 'maxclients');
  const counts: Record<string, number> = { connected_clients: connected };
  for (const key of ['blocked_clients', 'rejected_connections', 'maxclients']) {
    const v = infoNumber(f, key);
    if (v !== undefined) counts[key] = v;
  }
  return {
    value: connected,
    summary: `${connected} clients connected besides perfbot${max ? ` (${max} allowed)` : ''}, ${counts.blocked_clients ?? 0} blocked`,
    evidence: { counts },
  };
}

const MEASURES = {
  'hit-rate': measureHitRate,
  memory: measureMemory,
  evictions: measureEvictions,
  clients: (f: Fields) => measureClients(f),
} as const;

export const redisInfoCheck: CheckDefinition<'redis.info', RedisInfoPort> = {
  kind: 'redis.info',
  backend: 'redis',
  async run(ctx, port) {
    const text = await port.info({ signal: ctx.signal, url: ctx.params.url });
    return MEASURES[ctx.params.measure](parseRedisInfo(text));
  },
};
