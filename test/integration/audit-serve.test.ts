// `perfbot serve` (real process) and the audit key: without one it runs and says once that the
// trail is tamper-evident only against accidents; with one it signs a checkpoint at start and
// logs it, and `perfbot audit --verify` with the public key accepts the trail.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAuditKey } from '../../src/audit/key.js';
import { AuditTrail } from '../../src/audit/trail.js';
import { type KeyFiles, perfbotCli, writeKeyFiles } from '../support/audit-tools.js';
import { ensureBuilt, type PerfbotProcess, startPerfbot } from '../support/perfbot-process.js';
import { testRedisUrl } from '../support/redis.js';

/** No line of the key file (a PEM body line, the HMAC secret) appears in what perfbot printed. */
function expectNoKeyMaterial(output: string, keyFile: string): void {
  const secretLines = readFileSync(keyFile, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length >= 16 && !l.startsWith('-----'));
  expect(secretLines.length).toBeGreaterThan(0);
  for (const line of secretLines) expect(output).not.toContain(line);
}

const NO_KEY = 'PERFBOT_AUDIT_KEY is not set: the audit trail is tamper-evident only against accidents';

describe('perfbot serve and PERFBOT_AUDIT_KEY (real processes)', { timeout: 240_000 }, () => {
  let url: string;
  let redis: Redis;
  let keys: KeyFiles;
  let bot: PerfbotProcess | undefined;
  beforeAll(async () => {
    url = `${testRedisUrl()}/15`;
    redis = new Redis(url);
    await redis.flushdb();
    keys = writeKeyFiles();
    await ensureBuilt();
  }, 180_000);
  afterAll(async () => {
    await bot?.stop();
    await redis.flushdb();
    redis.disconnect();
  });

  it('without a key: runs, and says once what the trail does not guarantee', async () => {
    bot = await startPerfbot({ REDIS_URL: url, PERFBOT_AUDIT_RETENTION: 'off' }, ['--no-worker']);
    expect(bot.output().split(NO_KEY).length - 1).toBe(1);
    await bot.stop();
    bot = undefined;
  });

  it('with a key: signs a checkpoint at start, logs it, and the trail verifies with the public key', async () => {
    // debug: every audit entry is logged too, and still no key material may appear.
    bot = await startPerfbot({ REDIS_URL: url, PERFBOT_AUDIT_KEY: keys.privatePem, LOG_LEVEL: 'debug' }, [
      '--no-worker',
    ]);
    const deadline = Date.now() + 30_000;
    while (!bot.output().includes('"msg":"audit checkpoint"') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const line = bot
      .output()
      .split('\n')
      .find((l) => l.includes('"msg":"audit checkpoint"'));
    const sig = (JSON.parse(line ?? '{}') as { checkpoint?: { sig?: string } }).checkpoint?.sig;
    expect(sig).toMatch(/^[\w-]{80,}$/);
    expect(bot.output()).not.toContain(NO_KEY);
    await bot.stop();
    expectNoKeyMaterial(bot.output(), keys.privatePem);
    bot = undefined;
    const res = await perfbotCli(['audit', '--verify', '--since-checkpoint', sig as string], {
      REDIS_URL: url,
      PERFBOT_AUDIT_KEY: keys.publicPem,
    });
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('checkpoint from the log found at entry');
  });

  it('with an HMAC secret: signs and logs checkpoints, never the secret', async () => {
    bot = await startPerfbot({ REDIS_URL: url, PERFBOT_AUDIT_KEY: keys.hmac, LOG_LEVEL: 'debug' }, [
      '--no-worker',
    ]);
    const deadline = Date.now() + 30_000;
    while (!bot.output().includes('"msg":"audit checkpoint"') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await bot.stop();
    expect(bot.output()).toContain('"msg":"audit checkpoint"');
    expect(bot.output()).toContain('"alg":"hmac-sha256"');
    expectNoKeyMaterial(bot.output(), keys.hmac);
    bot = undefined;
  });

  it('retention in serve: entries past PERFBOT_AUDIT_RETENTION are exported to a signed segment, then trimmed', async () => {
    await redis.flushdb();
    // A trail from 2024, signed with the same key, that perfbot finds when it starts.
    const old = new AuditTrail({
      redis,
      key: loadAuditKey(keys.privatePem),
      now: () => new Date('2024-01-02T00:00:00Z'),
    });
    await old.checkpoint();
    for (let i = 0; i < 10; i++)
      await old.append({ actor: 'system', event: 'incident.opened', details: { i } });
    await old.checkpoint();
    const dir = mkdtempSync(join(tmpdir(), 'perfbot-serve-segments-'));
    bot = await startPerfbot(
      {
        REDIS_URL: url,
        PERFBOT_AUDIT_KEY: keys.privatePem,
        PERFBOT_AUDIT_EXPORT_DIR: dir,
        LOG_LEVEL: 'info',
      },
      ['--no-worker'],
    );
    // The first pass runs 5 s after start.
    const deadline = Date.now() + 60_000;
    while (!bot.output().includes('audit entries exported and trimmed') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    await bot.stop();
    bot = undefined;
    const files = readdirSync(dir).filter((f) => f.endsWith('.ndjson'));
    expect(files).toHaveLength(1);
    const segment = join(dir, files[0] as string);
    const file = await perfbotCli(['audit', 'verify-file', segment], { PERFBOT_AUDIT_KEY: keys.publicPem });
    expect(file.code).toBe(0);
    expect(file.stdout).toContain('12 entries');
    expect(file.stdout).toContain('signature valid');
    const rest = await perfbotCli(['audit', '--verify'], {
      REDIS_URL: url,
      PERFBOT_AUDIT_KEY: keys.publicPem,
    });
    expect(rest.code).toBe(0);
    expect(rest.stdout).toContain('12 older entries were trimmed by retention');
    const trimmed = await perfbotCli(['audit', '--json'], { REDIS_URL: url });
    expect(trimmed.stdout).toContain('"event":"audit.trimmed"');
    expect(trimmed.stdout).not.toContain('"2024-01-02');
  });

  it('refuses to start with only the public key: it could not sign', async () => {
    await expect(
      startPerfbot({ REDIS_URL: url, PERFBOT_AUDIT_KEY: keys.publicPem }, ['--no-worker']),
    ).rejects.toThrow(/is a public key; perfbot signs with the private key/);
  });
});
