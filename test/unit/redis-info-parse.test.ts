import { describe, expect, it } from 'vitest';
import {
  measureClients,
  measureEvictions,
  measureHitRate,
  measureMemory,
} from '../../src/integrations/redis/checks.js';
import { describeRedisUrl } from '../../src/integrations/redis/client.js';
import {
  formatBytes,
  infoNumber,
  parseInfoSubfields,
  parseRedisInfo,
} from '../../src/integrations/redis/info.js';

const SAMPLE = [
  '# Server',
  'redis_version:7.0.15',
  'run_id:abc:def',
  '',
  '# Memory',
  'used_memory:1048576',
  'used_memory_human:1.00M',
  'maxmemory:4194304',
  'maxmemory_policy:allkeys-lru',
  'mem_fragmentation_ratio:1.25',
  '',
  '# Stats',
  'keyspace_hits:90',
  'keyspace_misses:10',
  'evicted_keys:7',
  'expired_keys:3',
  '',
  '# Clients',
  'connected_clients:12',
  'blocked_clients:2',
  'maxclients:10000',
  '',
  '# Keyspace',
  'db0:keys=5,expires=1,avg_ttl=100',
].join('\r\n');

describe('parseRedisInfo', () => {
  it('reads key:value lines across sections, CRLF or LF, keeping colons in values', () => {
    const f = parseRedisInfo(SAMPLE);
    expect(f.redis_version).toBe('7.0.15');
    expect(f.run_id).toBe('abc:def');
    expect(f.maxmemory_policy).toBe('allkeys-lru');
    expect(parseRedisInfo(SAMPLE.replaceAll('\r\n', '\n'))).toEqual(f);
    expect(Object.keys(f)).not.toContain('# Server');
  });

  it('parses keyspace sub-fields and numbers', () => {
    const f = parseRedisInfo(SAMPLE);
    expect(parseInfoSubfields(f.db0 ?? '')).toEqual({ keys: '5', expires: '1', avg_ttl: '100' });
    expect(infoNumber(f, 'mem_fragmentation_ratio')).toBe(1.25);
    expect(infoNumber(f, 'maxmemory_policy')).toBeUndefined();
    expect(infoNumber(f, 'absent')).toBeUndefined();
  });

  it('returns nothing for empty input', () => {
    expect(parseRedisInfo('')).toEqual({});
  });
});

describe('redis.info measures', () => {
  const f = parseRedisInfo(SAMPLE);

  it('hit-rate is hits / (hits + misses); no lookups or missing fields mean no value', () => {
    expect(measureHitRate(f).value).toBe(0.9);
    expect(measureHitRate({ keyspace_hits: '0', keyspace_misses: '0' }).value).toBeUndefined();
    expect(measureHitRate({}).summary).toMatch(/^no data/);
  });

  it('memory is used_memory, with the limit as a share', () => {
    const m = measureMemory(f);
    expect(m.value).toBe(1048576);
    expect(m.summary).toBe('1.0 MiB used of 4.0 MiB maxmemory (25%), policy allkeys-lru');
    expect(
      measureMemory({ used_memory: '100', maxmemory: '0', maxmemory_policy: 'noeviction' }).summary,
    ).toBe('100 B used with no maxmemory limit, policy noeviction');
  });

  it('evictions is evicted_keys', () => {
    const m = measureEvictions(f);
    expect(m.value).toBe(7);
    expect(m.evidence?.counts).toEqual({ evicted_keys: 7, expired_keys: 3 });
  });

  it('clients leaves out perfbot`s own connection', () => {
    const m = measureClients(f);
    expect(m.value).toBe(11);
    expect(m.evidence?.counts).toEqual({ connected_clients: 11, blocked_clients: 2, maxclients: 10000 });
    expect(measureClients({ connected_clients: '0' }).value).toBe(0);
  });
});

describe('helpers', () => {
  it('formats bytes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GiB');
  });

  it('names a Redis without its password', () => {
    expect(describeRedisUrl('redis://:hunter2@cache.data-processing:6380/0')).toBe(
      'cache.data-processing:6380',
    );
    expect(describeRedisUrl('rediss://cache')).toBe('cache:6379');
  });
});
