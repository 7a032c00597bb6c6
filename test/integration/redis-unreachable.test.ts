// perfbot's Redis unreachable, as a user meets it: a command fails at once with one line naming
// the address and what to do; `perfbot serve` (built CLI, child process) listens anyway, warns
// once (not a stack trace per retry), /readyz says why it is not ready, it recovers when Redis
// comes, and stops cleanly on SIGTERM while Redis is away.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedisOnce, RedisUnreachableError } from '../../src/redis/connect.js';
import { type EmbeddedRedis, freePort, startEmbeddedRedis } from '../../src/redis/embedded.js';
import { perfbotCli } from '../support/audit-tools.js';
import { ensureBuilt } from '../support/perfbot-process.js';
import { testRedisUrl } from '../support/redis.js';
import { skipWithout } from '../support/servers.js';

const ROOT = join(import.meta.dirname, '..', '..');

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('connectRedisOnce (for one-shot commands)', () => {
  it('fails at once with the one line when nothing listens', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const err = await connectRedisOnce(url, { explicit: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedisUnreachableError);
    // Nothing left behind to hold a command's exit (ioredis' 2 s disconnect timer did).
    await new Promise((r) => setImmediate(r));
    expect(timers()).toBeLessThanOrEqual(before);
    expect((err as Error).message).toBe(
      `perfbot: cannot reach Redis at ${url} (ECONNREFUSED) — start redis-server (\`npm start\` starts one), or set REDIS_URL`,
    );
  });

  it('behind Sentinel: asks the Sentinels once and fails with the line, no password in it', async () => {
    const sentinel = await freePort();
    const url = `redis-sentinel://:s3cret@mymaster/0?sentinels=127.0.0.1%3A${sentinel}&sentinelPassword=s3ntinel`;
    const err = await connectRedisOnce(url, { explicit: true, timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedisUnreachableError);
    expect((err as Error).message).toContain('perfbot: cannot reach Redis at redis-sentinel://');
    expect((err as Error).message).not.toMatch(/s3cret|s3ntinel/);
  });

  it('`perfbot status` with unreachable Sentinels exits 1 with the line instead of waiting for ever', async () => {
    await ensureBuilt();
    const res = await perfbotCli(['status'], {
      REDIS_URL: 'redis://:s3cret@ignored/0',
      REDIS_SENTINELS: `127.0.0.1:${await freePort()}`,
      REDIS_SENTINEL_NAME: 'mymaster',
      REDIS_SENTINEL_PASSWORD: 's3ntinel',
    });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('perfbot: cannot reach Redis at redis-sentinel://');
    expect(res.stderr + res.stdout).not.toMatch(/s3cret|s3ntinel/);
  }, 120_000);

  it('returns a working client when Redis answers', async () => {
    const redis = await connectRedisOnce(testRedisUrl(), { explicit: true });
    expect(await redis.ping()).toBe('PONG');
    redis.disconnect();
  });
});

describe.skipIf(skipWithout('redis-server'))('perfbot serve with REDIS_URL unreachable', () => {
  let child: ChildProcess;
  let exited: Promise<number | null>;
  let later: EmbeddedRedis | undefined;
  const lines: string[] = [];
  let port: number;

  beforeAll(async () => {
    await ensureBuilt();
    port = await freePort();
    child = spawn(process.execPath, [join(ROOT, 'bin', 'perfbot.js'), 'serve'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        PORT: '0',
        HOST: '127.0.0.1',
        REDIS_URL: `redis://127.0.0.1:${port}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  });

  afterAll(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await later?.stop();
  });

  const parsed = () =>
    lines.flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [{ text: l }];
      }
    });

  it('listens, warns once, says why in /readyz, recovers, and stops on SIGTERM', {
    timeout: 120_000,
  }, async () => {
    const serving = await waitFor('perfbot serving', () => parsed().find((l) => l.msg === 'perfbot serving'));
    const address = serving.address as string;
    expect(serving).toMatchObject({ ready: false, until: 'Redis is reachable (/readyz says why)' });
    const res = await fetch(`${address}/readyz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { problems: string[] };
    expect(body.problems).toEqual([
      expect.stringMatching(
        new RegExp(
          `^redis: cannot reach redis://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\) since \\S+, retrying — check that Redis runs there, or correct REDIS_URL$`,
        ),
      ),
    ]);

    // An alert meanwhile gets a 503 a sender can read (not ioredis' words), and Retry-After.
    const alert = await fetch(`${address}/alerts/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        version: '4',
        status: 'firing',
        receiver: 'perfbot',
        groupKey: '{}:{alertname="X"}',
        alerts: [{ status: 'firing', labels: { alertname: 'X' }, startsAt: '2026-11-22T13:00:00Z' }],
      }),
    });
    expect(alert.status).toBe(503);
    expect(alert.headers.get('retry-after')).toBe('5');
    expect(((await alert.json()) as { error: string }).error).toMatch(
      /^incident store unavailable: Redis is not reachable; /,
    );

    // ioredis and BullMQ retry every few hundred ms to 2 s, the thread sweep runs every 2 s and
    // audit retention first 5 s after the start: let several rounds go by.
    await new Promise((r) => setTimeout(r, 8000));
    const warnings = parsed().filter((l) => l.msg === 'cannot reach Redis: retrying');
    expect(warnings).toHaveLength(1);
    // Nothing else complains on its own: the start's notices about what is not configured, the
    // one Redis line, and the alert that was refused, nothing per timer tick.
    const complaints = parsed()
      .filter((l) => l.level === 'warn' || l.level === 'error')
      .map((l) => l.msg);
    expect(complaints.filter((m) => !/ is not set|^no Slack credentials/.test(String(m)))).toEqual([
      'cannot reach Redis: retrying',
      'webhook not stored: sender will retry',
    ]);
    expect(warnings[0]).toMatchObject({ url: `redis://127.0.0.1:${port}`, reason: 'ECONNREFUSED' });
    // No stack trace of a refused connection, and nothing printed outside the JSON log.
    expect(lines.filter((l) => l.includes('TCPConnectWrap') || l.includes('ECONNREFUSED')).length).toBe(1);
    expect(parsed().filter((l) => 'text' in l)).toEqual([]);

    later = await startEmbeddedRedis({ port });
    await waitFor('ready', async () =>
      (await fetch(`${address}/readyz`)).status === 200 ? true : undefined,
    );
    expect(parsed().filter((l) => l.msg === 'Redis reachable again')).toHaveLength(1);

    await later.stop();
    await waitFor('not ready again', async () =>
      (await fetch(`${address}/readyz`)).status === 503 ? true : undefined,
    );
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(parsed().some((l) => l.msg === 'stopped')).toBe(true);
  });
});

describe('perfbot worker with REDIS_URL unreachable', () => {
  it('says so once, does not claim all is well, and stops on SIGTERM', { timeout: 120_000 }, async () => {
    await ensureBuilt();
    const port = await freePort();
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'perfbot.js'), 'worker'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', REDIS_URL: `redis://127.0.0.1:${port}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const lines = () =>
        out
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>);
      await waitFor('the worker to start', () =>
        lines().find((l) => String(l.msg).startsWith('perfbot worker running')),
      );
      // A few reconnect rounds later: still the one warning, and the start line said why it waits.
      await new Promise((r) => setTimeout(r, 4000));
      const complaints = lines().filter((l) => l.level === 'warn' || l.level === 'error');
      expect(complaints.map((l) => l.msg).filter((m) => !String(m).includes(' is not set'))).toEqual([
        'cannot reach Redis: retrying',
      ]);
      expect(complaints.find((l) => l.msg === 'cannot reach Redis: retrying')).toMatchObject({
        url: `redis://127.0.0.1:${port}`,
        reason: 'ECONNREFUSED',
        hint: 'check that Redis runs there, or correct REDIS_URL',
      });
      expect(lines().map((l) => l.msg)).toContain(
        'perfbot worker running: it takes jobs once Redis is reachable',
      );
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
