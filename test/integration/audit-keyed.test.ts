// The keyed trail against someone who can write to Redis but does not hold PERFBOT_AUDIT_KEY:
// `perfbot audit --verify` (the compiled CLI, as a child process, on a real Redis) must fail
// after an edit whose author recomputed the chain, after the whole trail is deleted, and after
// the tail is cut and the head pointer rewritten (against the checkpoint from the log).
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadAuditKey, parseAuditKey } from '../../src/audit/key.js';
import { writeSegment } from '../../src/audit/segment-export.js';
import { AuditTrail } from '../../src/audit/trail.js';
import { trimThrough } from '../../src/audit/trim.js';
import {
  type KeyFiles,
  loggedCheckpoints,
  perfbotCli,
  readEntries,
  rewriteChain,
  writeKeyFiles,
} from '../support/audit-tools.js';
import { ensureBuilt } from '../support/perfbot-process.js';
import { testRedisUrl } from '../support/redis.js';

// The CLI uses the default key prefix, so this file gets a Redis database of its own.
const PREFIX = 'perfbot:';
let url: string;
let redis: Redis;
let keys: KeyFiles;
let logged: string[];

function keyedTrail(file: string, checkpointEvery = 10, now?: () => Date): AuditTrail {
  const sink = new Writable({
    write(chunk, _enc, done) {
      logged.push(...String(chunk).trim().split('\n'));
      done();
    },
  });
  return new AuditTrail({
    redis,
    key: loadAuditKey(file),
    checkpointEvery,
    now,
    log: pino({ level: 'info' }, sink),
  });
}

/** 25 entries and 4 checkpoints: at start, after the 10th and 20th entry, at the end. */
async function seed(trail: AuditTrail): Promise<void> {
  await trail.checkpoint(); // what a keyed perfbot does at start
  for (let i = 0; i < 25; i++) {
    await trail.append({ actor: 'U111', event: 'proposal.approved', proposal: `prop-${i}`, details: { i } });
    if (i % 10 === 9) await trail.checkpoint();
  }
  await trail.checkpoint();
}

const verify = (keyFile: string | undefined, ...args: string[]) =>
  perfbotCli(['audit', '--verify', ...args], {
    REDIS_URL: url,
    ...(keyFile ? { PERFBOT_AUDIT_KEY: keyFile } : {}),
  });

beforeAll(async () => {
  url = `${testRedisUrl()}/12`;
  redis = new Redis(url);
  keys = writeKeyFiles();
  await ensureBuilt();
}, 180_000);
afterAll(async () => {
  await redis.flushdb();
  redis.disconnect();
});
beforeEach(async () => {
  await redis.flushdb();
  logged = [];
});

// Each CLI run starts a whole Node process: slow on a loaded machine, hence the long timeout.
describe('perfbot audit --verify with PERFBOT_AUDIT_KEY (CLI child process, real Redis)', {
  timeout: 180_000,
}, () => {
  it('an intact keyed trail verifies with the private key, the public key alone, and not with another key', async () => {
    await seed(keyedTrail(keys.privatePem));
    const ok = await verify(keys.privatePem);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('29 entries, chain intact');
    expect(ok.stdout).toMatch(/signed: 4 checkpoint\(s\) valid \(ed25519 key [0-9a-f]{16}\)/);
    const last = loggedCheckpoints(logged).at(-1) as string;
    expect(ok.stdout).toContain(`sig ${last}`);
    expect(ok.stdout).not.toContain('WARNING');

    const pub = await verify(keys.publicPem, '--since-checkpoint', last);
    expect(pub.code).toBe(0);
    expect(pub.stdout).toContain('checkpoint from the log found at entry');

    const other = await verify(keys.otherPrivatePem);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('signed by another key');
  });

  it('an edit whose author recomputed the whole chain fails at the next checkpoint (and passes without a key)', async () => {
    await seed(keyedTrail(keys.privatePem));
    const entries = await readEntries(redis, PREFIX);
    const victim = entries.findIndex((e) => e.proposal === 'prop-3');
    (entries[victim] as { actor: string }).actor = 'U666';
    await rewriteChain(redis, PREFIX, entries);

    const unkeyed = await verify(undefined);
    expect(unkeyed.code).toBe(0); // what a plain hash chain cannot see
    const keyed = await verify(keys.privatePem);
    expect(keyed.code).toBe(1);
    const nextCheckpoint = entries.slice(victim).find((e) => e.event === 'audit.checkpoint');
    expect(keyed.stderr).toContain(`audit chain broken at entry ${nextCheckpoint?.id}`);
    expect(keyed.stderr).toContain('signed checkpoint of a different chain head');
  });

  it("an edit recomputed with each checkpoint's head rewritten to match fails: the signature does not follow", async () => {
    await seed(keyedTrail(keys.privatePem));
    const entries = await readEntries(redis, PREFIX);
    const victim = entries.findIndex((e) => e.proposal === 'prop-7');
    (entries[victim] as { actor: string }).actor = 'U666';
    await rewriteChain(redis, PREFIX, entries, undefined, 0, true);
    const res = await verify(keys.publicPem);
    expect(res.code).toBe(1);
    const nextCheckpoint = entries.slice(victim).find((e) => e.event === 'audit.checkpoint');
    expect(res.stderr).toContain(`audit chain broken at entry ${nextCheckpoint?.id}`);
    expect(res.stderr).toContain('its signature does not verify: it was forged or altered');
  });

  it('an edit recomputed with the later checkpoints dropped fails against the checkpoint from the log', async () => {
    // Written ten minutes ago: a running perfbot would have signed the tail long since.
    await seed(keyedTrail(keys.privatePem, 10, () => new Date(Date.now() - 10 * 60_000)));
    const entries = await readEntries(redis, PREFIX);
    const victim = entries.findIndex((e) => e.proposal === 'prop-12');
    (entries[victim] as { details: unknown }).details = { i: 999 };
    const forged = entries.filter((e, i) => i < victim || e.event !== 'audit.checkpoint');
    await rewriteChain(redis, PREFIX, forged);

    // Without the anchor the chain holds, but the old unsigned tail is called out.
    const alone = await verify(keys.privatePem);
    expect(alone.code).toBe(0);
    expect(alone.stdout).toMatch(/\d+ newer entries are not signed yet, the oldest from \S+Z/);
    expect(alone.stdout).toContain('WARNING: a running keyed perfbot signs new entries within a minute');

    const anchor = loggedCheckpoints(logged).at(-1) as string;
    const res = await verify(keys.privatePem, '--since-checkpoint', anchor);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`the checkpoint ${anchor.slice(0, 16)}… from the log is not in the trail`);
  });

  it('a deleted trail fails with a key (an empty trail verifies only without one)', async () => {
    await seed(keyedTrail(keys.privatePem));
    await redis.del(`${PREFIX}audit`, `${PREFIX}audit:head`, `${PREFIX}audit:base`);
    const unkeyed = await verify(undefined);
    expect(unkeyed).toMatchObject({ code: 0, stdout: '0 entries, chain intact\n' });
    const keyed = await verify(keys.privatePem);
    expect(keyed.code).toBe(1);
    expect(keyed.stderr).toContain('the trail is empty, but a keyed perfbot signs a checkpoint');
  });

  it('after a trim, every entry deleted and the head moved back onto the trim marker fails', async () => {
    const trail = keyedTrail(keys.privatePem);
    await seed(trail);
    const segment = await writeSegment(trail, { before: new Date(Date.now() + 60_000) }, () => {});
    await trimThrough(trail, segment as NonNullable<typeof segment>, new Date());
    await trail.append({ actor: 'system', event: 'audit.trimmed', details: { through: segment?.lastId } });
    await trail.checkpoint();
    expect((await verify(keys.privatePem)).code).toBe(0);

    const base = await redis.hgetall(`${PREFIX}audit:base`);
    await redis.del(`${PREFIX}audit`);
    await redis.hset(
      `${PREFIX}audit:head`,
      'hash',
      base.hash ?? '',
      'id',
      base.id ?? '',
      'count',
      base.count ?? '',
    );
    for (const keyFile of [keys.privatePem, undefined]) {
      const res = await verify(keyFile);
      expect(res.code).toBe(1);
      expect(res.stdout).not.toContain('chain intact');
      expect(res.stderr).toContain('nothing follows the trim marker');
    }
  });

  it('--since-checkpoint without a key is a usage error: an unchecked signature proves nothing', async () => {
    await seed(keyedTrail(keys.privatePem));
    const anchor = loggedCheckpoints(logged).at(-1) as string;
    const res = await verify(undefined, '--since-checkpoint', anchor);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--since-checkpoint needs PERFBOT_AUDIT_KEY');
    expect((await verify(keys.publicPem, '--since-checkpoint', anchor)).code).toBe(0);
  });

  it('a trail replaced by fresh unsigned entries fails with a key', async () => {
    await seed(keyedTrail(keys.privatePem));
    await redis.del(`${PREFIX}audit`, `${PREFIX}audit:head`);
    const forger = new AuditTrail({ redis });
    await forger.append({ actor: 'system', event: 'incident.opened', incident: 'inc-1' });
    const res = await verify(keys.privatePem);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('the trail holds no signed checkpoint');
  });

  it('a cut tail with a rewritten head pointer fails against the last checkpoint from the log', async () => {
    await seed(keyedTrail(keys.privatePem));
    const entries = await readEntries(redis, PREFIX);
    const kept = entries.slice(0, 15); // before the third checkpoint
    const last = kept[kept.length - 1];
    await redis.xdel(`${PREFIX}audit`, ...entries.slice(kept.length).map((e) => e.id));
    await redis.hset(
      `${PREFIX}audit:head`,
      'hash',
      last?.hash ?? '',
      'id',
      last?.id ?? '',
      'count',
      kept.length,
    );

    // Internally consistent and its checkpoints are genuine: only the outside anchor tells.
    expect((await verify(keys.privatePem)).code).toBe(0);
    const anchor = loggedCheckpoints(logged).at(-1) as string;
    const res = await verify(keys.privatePem, '--since-checkpoint', anchor);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('is not in the trail: the trail was cut back before it');
  });

  it('works the same with an HMAC secret', async () => {
    await seed(keyedTrail(keys.hmac));
    expect((await verify(keys.hmac)).stdout).toMatch(/signed: 4 checkpoint\(s\) valid \(hmac-sha256 key/);
    const entries = await readEntries(redis, PREFIX);
    (entries[2] as { actor: string }).actor = 'U666';
    await rewriteChain(redis, PREFIX, entries);
    const res = await verify(keys.hmac);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('different chain head');
  });

  it('signs a checkpoint every N appends and on start, each logged as the outside anchor', async () => {
    const trail = keyedTrail(keys.privatePem, 5);
    trail.startCheckpoints(60_000);
    for (let i = 0; i < 12; i++) await trail.append({ actor: 'system', event: 'incident.opened' });
    await trail.close();
    const entries = await readEntries(redis, PREFIX);
    const checkpoints = entries.filter((e) => e.event === 'audit.checkpoint');
    expect(checkpoints.length).toBeGreaterThanOrEqual(3);
    expect(entries.at(-1)?.event).toBe('audit.checkpoint'); // close() signs the tail
    expect(loggedCheckpoints(logged)).toEqual(checkpoints.map((c) => c.details.sig));
    expect((await verify(keys.publicPem)).code).toBe(0);
  });
});

describe('PERFBOT_AUDIT_KEY files', () => {
  it('refuses keys that are not Ed25519 and HMAC secrets that are too short', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    expect(() => parseAuditKey(Buffer.from(rsa), 'rsa.pem')).toThrow(/a rsa key; use Ed25519/);
    expect(() => parseAuditKey(Buffer.from('short\n'), 's')).toThrow(/at least 32 bytes/);
    expect(() => loadAuditKey('/nonexistent/key')).toThrow(/cannot read/);
  });

  it('a public key verifies but cannot sign', () => {
    const pub = loadAuditKey(keys.publicPem);
    const priv = loadAuditKey(keys.privatePem);
    expect(pub.canSign).toBe(false);
    expect(pub.id).toBe(priv.id);
    expect(pub.verify('m', priv.sign('m'))).toBe(true);
    expect(pub.verify('m2', priv.sign('m'))).toBe(false);
    expect(() => pub.sign('m')).toThrow(/can verify but not sign/);
  });
});
