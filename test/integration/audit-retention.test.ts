// Retention keeps history outside Redis: export → trim → verify-file through the CLI (child
// process, real Redis), and the retention pass itself (export to disk, re-verify, trim), after
// which the trail in Redis still verifies from its signed base pointer.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadAuditKey } from '../../src/audit/key.js';
import { applyRetention } from '../../src/audit/retention.js';
import { verifySegmentFiles } from '../../src/audit/segment-verify.js';
import { AuditTrail } from '../../src/audit/trail.js';
import { trimThrough } from '../../src/audit/trim.js';
import { silentLogger } from '../../src/log.js';
import { type KeyFiles, perfbotCli, writeKeyFiles } from '../support/audit-tools.js';
import { ensureBuilt } from '../support/perfbot-process.js';
import { testRedis, testRedisUrl } from '../support/redis.js';

const DAY = 86_400_000;
let keys: KeyFiles;

/** A trail whose clock the test moves: 20 entries in January 2024, 10 in June, checkpoints. */
async function seed(trail: AuditTrail, clock: { t: number }): Promise<void> {
  clock.t = Date.parse('2024-01-01T00:00:00Z');
  await trail.checkpoint();
  for (let i = 0; i < 20; i++) {
    clock.t += 3_600_000;
    await trail.append({ actor: 'system', event: 'incident.opened', incident: `inc-a${i}`, details: { i } });
    if (i % 5 === 4) await trail.checkpoint();
  }
  clock.t = Date.parse('2024-06-01T00:00:00Z');
  for (let i = 0; i < 10; i++) {
    clock.t += 3_600_000;
    await trail.append({ actor: 'system', event: 'incident.resolved', incident: `inc-b${i}` });
  }
  await trail.checkpoint();
}

beforeAll(async () => {
  keys = writeKeyFiles();
  await ensureBuilt();
}, 180_000);

describe('perfbot audit export → trim → verify-file (CLI child process)', { timeout: 240_000 }, () => {
  let url: string;
  let redis: Redis;
  beforeAll(async () => {
    url = `${testRedisUrl()}/14`;
    redis = new Redis(url);
    await redis.flushdb();
  });
  afterAll(async () => {
    await redis.flushdb();
    redis.disconnect();
  });

  it('exports a signed segment, trims exactly it, and both the file and the rest verify', async () => {
    const clock = { t: 0 };
    const trail = new AuditTrail({ redis, key: loadAuditKey(keys.privatePem), now: () => new Date(clock.t) });
    await seed(trail, clock);
    const env = { REDIS_URL: url, PERFBOT_AUDIT_KEY: keys.privatePem };
    const dir = mkdtempSync(join(tmpdir(), 'perfbot-segments-'));
    const file = join(dir, 'segment.ndjson');

    const pubOnly = await perfbotCli(['audit', 'export', '--before', '2024-03-01'], {
      ...env,
      PERFBOT_AUDIT_KEY: keys.publicPem,
    });
    expect(pubOnly).toMatchObject({ code: 2, stdout: '' });
    expect(pubOnly.stderr).toContain('export needs the private key');

    const exported = await perfbotCli(['audit', 'export', '--before', '2024-03-01'], env);
    expect(exported.code).toBe(0);
    // 20 entries and the 5 checkpoints of January: everything before March.
    expect(exported.stderr).toMatch(/exported 25 entries \(.+ … .+\), signed with ed25519 key/);
    writeFileSync(file, exported.stdout);
    expect(exported.stdout.trim().split('\n')).toHaveLength(27); // header, 25 entries, trailer

    const checked = await perfbotCli(['audit', 'verify-file', file], { PERFBOT_AUDIT_KEY: keys.publicPem });
    expect(checked.code).toBe(0);
    expect(checked.stdout).toContain(`${file}: 25 entries`);
    expect(checked.stdout).toContain('chain intact, signature valid (ed25519 key');

    const trimmed = await perfbotCli(['audit', 'trim', file], env);
    expect(trimmed).toMatchObject({ code: 0, stdout: expect.stringContaining('trimmed 25 entries through') });
    // 10 June entries and their checkpoint, audit.trimmed, and the checkpoint the CLI signs last.
    expect(await redis.xlen('perfbot:audit')).toBe(13);

    const rest = await perfbotCli(['audit', '--verify'], env);
    expect(rest.code).toBe(0);
    expect(rest.stdout).toContain('13 entries, chain intact');
    expect(rest.stdout).toContain('25 older entries were trimmed by retention through entry');
    // The segment ends where the trail in Redis now starts: the chain continues across the cut.
    const through = /trimmed by retention through entry (\S+)/.exec(rest.stdout)?.[1];
    expect(checked.stdout).toContain(` … ${through}), chain intact`);

    // One edited line in the file: verify-file names it.
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[3] = (lines[3] as string).replace('"actor":"system"', '"actor":"U666"');
    const bad = join(dir, 'edited.ndjson');
    writeFileSync(bad, lines.join('\n'));
    const broken = await perfbotCli(['audit', 'verify-file', bad], { PERFBOT_AUDIT_KEY: keys.publicPem });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(
      /edited\.ndjson:4: broken at entry \S+: its content does not match its hash/,
    );
  });
});

describe('audit retention (real Redis)', () => {
  let redis: Redis;
  let prefix: string;
  const clock = { t: 0 };
  beforeEach(() => {
    ({ redis, prefix } = testRedis());
  });
  afterAll(() => redis?.disconnect());

  const trailWith = (keyFile?: string) =>
    new AuditTrail({
      redis,
      prefix,
      key: keyFile ? loadAuditKey(keyFile) : undefined,
      now: () => new Date(clock.t),
    });

  it('exports what is past retention into continuing segments, trims it, and the chain stays verifiable', async () => {
    const trail = trailWith(keys.privatePem);
    await seed(trail, clock);
    const dir = mkdtempSync(join(tmpdir(), 'perfbot-retention-'));
    const run = await applyRetention({
      trail,
      retentionMs: 90 * DAY,
      exportDir: dir,
      log: silentLogger,
      now: () => new Date('2024-07-01T00:00:00Z'),
      maxEntries: 8,
    });
    // Before 2024-04-02: the 25 January entries, in segments of at most 8, each followed by
    // its own audit.trimmed entry (so later segments hold those too).
    expect(run.segments.length).toBeGreaterThanOrEqual(4);
    expect(run.trimmed).toBe(run.segments.reduce((n, s) => n + s.count, 0));
    const files = run.segments.map((s) => s.file);
    expect(readdirSync(dir).filter((f) => f.endsWith('.ndjson'))).toHaveLength(files.length);
    const fileCheck = await verifySegmentFiles(files, loadAuditKey(keys.publicPem));
    expect(fileCheck.ok).toBe(true);

    const after = await trail.verifyTrail();
    expect(after).toMatchObject({ ok: true, trimmed: run.trimmed });
    const left = await trail.readTrail();
    expect(left.some((e) => e.incident?.startsWith('inc-a'))).toBe(false);
    expect(left.filter((e) => e.event === 'audit.trimmed').length).toBeGreaterThan(0);

    // The trail goes on: new entries chain to the remaining ones and still verify.
    clock.t = Date.parse('2024-07-02T00:00:00Z');
    await trail.append({ actor: 'system', event: 'incident.opened', incident: 'inc-c' });
    await trail.checkpoint();
    expect(await trail.verifyTrail()).toMatchObject({ ok: true });

    // Out of order: files given the wrong way round do not continue each other.
    const swapped = await verifySegmentFiles([...files].reverse(), undefined);
    expect(swapped.ok).toBe(false);
  });

  it('a trim marker that was deleted or forged without the key fails verification', async () => {
    const trail = trailWith(keys.privatePem);
    await seed(trail, clock);
    await applyRetention({
      trail,
      retentionMs: 90 * DAY,
      exportDir: mkdtempSync(join(tmpdir(), 'perfbot-retention-')),
      log: silentLogger,
      now: () => new Date('2024-07-01T00:00:00Z'),
    });
    const base = await redis.hgetall(`${prefix}audit:base`);
    await redis.hdel(`${prefix}audit:base`, 'sig');
    expect(await trail.verifyTrail()).toMatchObject({
      ok: false,
      problem: { reason: expect.stringContaining('the trim marker (audit:base): it carries no signature') },
    });
    await redis.del(`${prefix}audit:base`);
    expect(await trail.verifyTrail()).toMatchObject({
      ok: false,
      problem: { reason: expect.stringContaining('does not chain to the start of the trail') },
    });
    await redis.hset(`${prefix}audit:base`, base);
    expect(await trail.verifyTrail()).toMatchObject({ ok: true });
  });

  it('without a key, retention still exports (unsigned) before it trims, and a segment trims only once', async () => {
    const trail = trailWith();
    await seed(trail, clock);
    const dir = mkdtempSync(join(tmpdir(), 'perfbot-retention-'));
    const run = await applyRetention({
      trail,
      retentionMs: 90 * DAY,
      exportDir: dir,
      log: silentLogger,
      now: () => new Date('2024-07-01T00:00:00Z'),
    });
    expect(run.segments).toHaveLength(1);
    expect(run.trimmed).toBe(20); // no key, no checkpoints: the 20 January entries
    const check = await verifySegmentFiles([run.segments[0]?.file as string], undefined);
    expect(check.lines[0]).toContain('signature NOT checked');
    expect(await trail.verifyTrail()).toMatchObject({ ok: true, trimmed: 20 });
    const first = (await trail.readTrail())[0];
    await expect(
      trimThrough(
        trail,
        {
          prevHash: '0'.repeat(64),
          firstId: '0-1',
          lastId: first?.id ?? '',
          lastHash: first?.hash ?? '',
          count: 1,
        },
        new Date(),
      ),
    ).rejects.toThrow(/no longer starts where the segment starts/);
  });
});
