import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashRecord } from '../../src/audit/hash.js';
import { AuditTrail } from '../../src/audit/trail.js';
import { GENESIS_HASH } from '../../src/audit/types.js';
import { testRedis } from '../support/redis.js';

// How someone with access to Redis would "edit" an entry: stream entries cannot be changed in
// place, so rewrite the whole stream with the same IDs and one field changed, atomically.
const REWRITE = `
local entries = redis.call('XRANGE', KEYS[1], '-', '+')
redis.call('DEL', KEYS[1])
for _, e in ipairs(entries) do
  local fields = e[2]
  if e[1] == ARGV[1] then
    for i = 1, #fields, 2 do
      if fields[i] == ARGV[2] then fields[i + 1] = ARGV[3] end
    end
  end
  redis.call('XADD', KEYS[1], e[1], unpack(fields))
end
return #entries
`;

async function rewriteField(redis: Redis, key: string, id: string, field: string, value: string) {
  await redis.eval(REWRITE, 1, key, id, field, value);
}

describe('audit trail (real Redis)', () => {
  let redis: Redis;
  let prefix: string;
  let trail: AuditTrail;
  let clock = Date.parse('2024-05-01T12:00:00Z');
  const now = () => {
    clock += 1000;
    return new Date(clock);
  };

  beforeEach(() => {
    ({ redis, prefix } = testRedis());
    trail = new AuditTrail({ redis, prefix, now });
  });
  afterEach(() => redis.disconnect());

  async function seed(n: number) {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const e = await trail.append({
        actor: i % 2 ? 'U111' : 'system',
        event: i === 0 ? 'incident.opened' : 'proposal.approved',
        incident: `inc-${i % 2}`,
        proposal: i > 0 ? 'prop-abc' : undefined,
        details: { n: i, note: 'replicas 2 → 4', nested: { b: [1, 2], a: null } },
      });
      ids.push(e.id);
    }
    return ids;
  }

  it('chains each entry to the previous hash and verifies an intact trail', async () => {
    await seed(5);
    const entries = await trail.readTrail();
    expect(entries).toHaveLength(5);
    expect(entries[0]?.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < entries.length; i++) expect(entries[i]?.prevHash).toBe(entries[i - 1]?.hash);
    const first = entries[0];
    if (!first) throw new Error('no entry');
    expect(first.hash).toBe(
      hashRecord(GENESIS_HASH, {
        time: first.time,
        actor: 'system',
        event: 'incident.opened',
        incident: 'inc-0',
        details: first.details,
      }),
    );
    expect(await trail.verifyTrail()).toEqual({ ok: true, count: 5 });
  });

  it('an empty trail verifies with zero entries', async () => {
    expect(await trail.verifyTrail()).toEqual({ ok: true, count: 0 });
  });

  it('filters by incident and returns the last N in order', async () => {
    await seed(7);
    const inc1 = await trail.readTrail({ incident: 'inc-1' });
    expect(inc1.map((e) => e.details.n)).toEqual([1, 3, 5]);
    const last2 = await trail.readTrail({ incident: 'inc-0', limit: 2 });
    expect(last2.map((e) => e.details.n)).toEqual([4, 6]);
    expect((await trail.readTrail({ limit: 3 })).map((e) => e.details.n)).toEqual([4, 5, 6]);
  });

  it('stays one chain when two replicas (two clients) append a storm concurrently', async () => {
    const other = testRedis().redis;
    const trail2 = new AuditTrail({ redis: other, prefix });
    const entries = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        (i % 2 ? trail : trail2).append({ actor: 'system', event: 'alert.received', details: { i } }),
      ),
    );
    other.disconnect();
    expect(await trail.verifyTrail()).toEqual({ ok: true, count: 500 });
    expect(await redis.hget(`${prefix}audit:head`, 'count')).toBe('500');
    // Each process's entries land in the order it appended them.
    const stored = await trail.readTrail();
    const mine = stored.filter((e) => (e.details.i as number) % 2 === 1).map((e) => e.details.i);
    expect(mine).toEqual(entries.filter((_, i) => i % 2 === 1).map((e) => e.details.i));
    expect(mine).toEqual([...mine].sort((a, b) => (a as number) - (b as number)));
  });

  it('detects an entry edited in Redis (stream rewritten with the same IDs)', async () => {
    const ids = await seed(5);
    await rewriteField(redis, `${prefix}audit`, ids[2] as string, 'actor', 'U999');
    const result = await trail.verifyTrail();
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem.id).toBe(ids[2]);
    expect(result.problem.reason).toMatch(/edited/);
    expect(result.problem.time).toMatch(/^2024-05-01T/);
    expect(result.count).toBe(2);
  });

  it('detects an edit whose author also recomputed that entry’s hash (the next link breaks)', async () => {
    const ids = await seed(4);
    const [target] = (await trail.readTrail()).filter((e) => e.id === ids[1]);
    if (!target) throw new Error('missing');
    const details = { ...target.details, n: 42 };
    const forged = hashRecord(target.prevHash, {
      time: target.time,
      actor: target.actor,
      event: target.event,
      incident: target.incident as string,
      proposal: target.proposal as string,
      details,
    });
    await rewriteField(redis, `${prefix}audit`, ids[1] as string, 'details', JSON.stringify(details));
    await rewriteField(redis, `${prefix}audit`, ids[1] as string, 'hash', forged);
    const result = await trail.verifyTrail();
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problem.id).toBe(ids[2]);
      expect(result.problem.reason).toMatch(/prevHash does not match/);
    }
  });

  it('detects a deleted entry in the middle', async () => {
    const ids = await seed(5);
    await redis.xdel(`${prefix}audit`, ids[2] as string);
    const result = await trail.verifyTrail();
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problem.id).toBe(ids[3]);
      expect(result.problem.reason).toContain(ids[1] as string);
    }
  });

  it('detects a deleted first entry', async () => {
    const ids = await seed(3);
    await redis.xdel(`${prefix}audit`, ids[0] as string);
    const result = await trail.verifyTrail();
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problem.id).toBe(ids[1]);
      expect(result.problem.reason).toMatch(/start of the trail/);
    }
  });

  it('detects a removed tail, and still after more entries are appended', async () => {
    const ids = await seed(4);
    await redis.xdel(`${prefix}audit`, ids[3] as string);
    const result = await trail.verifyTrail();
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problem.id).toBe(ids[3]);
      expect(result.problem.reason).toMatch(/newest entry is missing/);
    }
    // A fresh process (no cached head) appends: it chains to the head pointer, so the gap shows.
    const later = await new AuditTrail({ redis, prefix, now }).append({
      actor: 'system',
      event: 'alert.received',
    });
    const again = await trail.verifyTrail();
    expect(again.ok).toBe(false);
    if (!again.ok) expect(again.problem.id).toBe(later.id);
  });

  it('detects a deleted head pointer', async () => {
    await seed(2);
    await redis.del(`${prefix}audit:head`);
    const result = await trail.verifyTrail();
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem.reason).toMatch(/head pointer is missing/);
  });

  it('logs every entry at debug with a fixed message and the entry as fields (the trail is the record)', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(JSON.parse(chunk.toString()));
        cb();
      },
    });
    const logged = new AuditTrail({ redis, prefix, now, log: pino({ level: 'debug' }, sink) });
    const entry = await logged.append({
      actor: 'U1',
      event: 'command.invoked',
      details: { command: 'audit' },
    });
    const entries = lines.filter((l) => l.msg === 'audit entry');
    expect(entries).toHaveLength(1);
    expect(entries[0]?.level).toBe(20);
    expect(lines[0]?.msg).toBe('audit entry');
    expect(lines[0]?.audit).toMatchObject({ id: entry.id, hash: entry.hash, event: 'command.invoked' });
  });
});
