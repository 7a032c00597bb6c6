import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditCommand, formatEntry } from '../../commands/audit.js';
import { main } from '../../commands/cli.js';
import { AuditTrail } from '../../src/audit/trail.js';
import { testRedis, testRedisUrl } from '../support/redis.js';

describe('auditCommand (shared by the CLI and /perf audit)', () => {
  it('prints readable lines, filters by incident, and reports an intact chain', async () => {
    const { redis, prefix } = testRedis();
    const store = new AuditTrail({ redis, prefix, now: () => new Date('2024-05-01T12:00:00Z') });
    await store.append({ actor: 'alertmanager', event: 'alert.received', incident: 'inc-1' });
    await store.append({
      actor: 'U123',
      event: 'proposal.approved',
      incident: 'inc-1',
      proposal: 'prop-1',
      details: { approvals: '1/2', preview: 'replicas 2 → 4' },
    });
    await store.append({ actor: 'system', event: 'incident.opened', incident: 'inc-2' });

    const all = await auditCommand({ store });
    expect(all.ok).toBe(true);
    expect(all.lines).toHaveLength(3);
    expect(all.lines[1]).toBe(
      '2024-05-01T12:00:00.000Z  proposal.approved       U123  inc-1  prop-1  approvals=1/2 preview="replicas 2 → 4"',
    );
    const one = await auditCommand({ store, incident: 'inc-2' });
    expect(one.lines).toEqual([expect.stringContaining('incident.opened')]);
    expect((await auditCommand({ store, incident: 'inc-404' })).lines).toEqual([
      'no audit entries for inc-404',
    ]);
    expect(await auditCommand({ store, verify: true })).toEqual({
      ok: true,
      lines: ['3 entries, chain intact'],
    });
    redis.disconnect();
  });

  it('formats entries without incident or details', () => {
    expect(
      formatEntry({
        id: '1-0',
        time: 't',
        actor: 'system',
        event: 'alert.received',
        details: {},
        prevHash: '',
        hash: '',
      }),
    ).toBe('t  alert.received          system');
  });

  it('shows control characters that outsiders put into the trail escaped, never raw', () => {
    const line = formatEntry({
      id: '1-0',
      time: 't',
      actor: 'U0MALLORY\u001b[2J',
      event: 'proposal.refused',
      details: { value: 'prop-\u001b]0;owned\u0007', label: 'a\rb' },
      prevHash: '',
      hash: '',
    });
    expect(line).not.toMatch(/\p{Cc}/u);
    expect(line).toContain('U0MALLORY\\x1b[2J');
    expect(line).toContain('value="prop-\\u001b]0;owned\\u0007"');
    expect(line).toContain('label="a\\rb"');
  });
});

describe('perfbot audit --verify (CLI exit codes)', () => {
  // The CLI uses the default key prefix, so it gets a Redis database of its own.
  const url = `${testRedisUrl()}/11`;
  let redis: Redis;
  const out: string[] = [];
  const err: string[] = [];

  beforeAll(async () => {
    redis = new Redis(url);
    await redis.flushdb();
    vi.stubEnv('REDIS_URL', url);
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
      out.push(String(s));
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
      err.push(String(s));
      return true;
    });
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    await redis.flushdb();
    redis.disconnect();
  });

  it('exits 0 on an intact chain, 1 naming the entry after one is edited', async () => {
    const trail = new AuditTrail({ redis });
    const entries = [];
    for (const event of ['alert.received', 'incident.opened', 'diagnosis.done'] as const) {
      entries.push(await trail.append({ actor: 'system', event, incident: 'inc-9' }));
    }
    expect(await main(['audit', '--verify'])).toBe(0);
    expect(out.join('')).toContain('3 entries, chain intact');

    expect(await main(['audit', '--incident', 'inc-9'])).toBe(0);
    expect(out.join('')).toContain('diagnosis.done');

    // Edit the middle entry's actor by rewriting the stream with the same IDs.
    await redis.eval(
      `local es = redis.call('XRANGE', KEYS[1], '-', '+')
       redis.call('DEL', KEYS[1])
       for _, e in ipairs(es) do
         local f = e[2]
         if e[1] == ARGV[1] then for i = 1, #f, 2 do if f[i] == 'actor' then f[i+1] = 'U666' end end end
         redis.call('XADD', KEYS[1], e[1], unpack(f))
       end`,
      1,
      'perfbot:audit',
      entries[1]?.id as string,
    );
    expect(await main(['audit', '--verify'])).toBe(1);
    expect(err.join('')).toContain(`audit chain broken at entry ${entries[1]?.id} (${entries[1]?.time})`);
    expect(err.join('')).toContain('the entry was edited');
  });

  it('exits 1 with a hint when Redis is unreachable', async () => {
    vi.stubEnv('REDIS_URL', 'redis://127.0.0.1:1');
    expect(await main(['audit', '--verify'])).toBe(1);
    expect(err.join('')).toContain('cannot reach Redis at redis://127.0.0.1:1');
    vi.stubEnv('REDIS_URL', url);
  });
});
