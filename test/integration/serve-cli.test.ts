// Runs the built CLI as a user would: `perfbot serve` with and without REDIS_URL, and refusing
// to start on invalid playbooks.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isListening } from '../../src/redis/embedded.js';
import { testRedisUrl } from '../support/redis.js';

const BIN = join(process.cwd(), 'bin/perfbot.js');
const built = existsSync(join(process.cwd(), 'dist/commands/cli.js'));

interface Run {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  exited: Promise<number | null>;
}

function run(args: string[], env: Record<string, string>, cwd = process.cwd()): Run {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let buf = '';
  const onData = (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ text: line });
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, exited };
}

async function waitFor<T>(fn: () => T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const serving = (r: Run) =>
  r.lines.find((l) => l.msg === 'perfbot serving') as { address: string } | undefined;

describe.skipIf(!built)('perfbot serve (built CLI)', () => {
  it('serves /readyz with the given REDIS_URL and stops on SIGTERM', async () => {
    const r = run(['serve', '--no-worker'], {
      PORT: '0',
      HOST: '127.0.0.1',
      REDIS_URL: testRedisUrl(),
      PLAYBOOKS_DIR: 'test/fixtures/serve',
    });
    const { address } = await waitFor(() => serving(r));
    const res = await fetch(`${address}/readyz`);
    expect(res.status).toBe(200);
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
    expect(r.lines.some((l) => l.msg === 'stopped')).toBe(true);
  });

  it('starts a private redis-server when REDIS_URL is unset and nothing answers on 6379', async () => {
    if (await isListening('127.0.0.1', 6379)) {
      console.log('skipped: something listens on 127.0.0.1:6379, so perfbot rightly uses it');
      return;
    }
    const cwd = await mkdtemp(join(tmpdir(), 'perfbot-serve-'));
    const r = run(
      ['serve', '--no-worker'],
      { PORT: '0', HOST: '127.0.0.1', PLAYBOOKS_DIR: join(process.cwd(), 'test/fixtures/serve') },
      cwd,
    );
    const { address } = await waitFor(() => serving(r));
    const started = r.lines.find(
      (l) => typeof l.msg === 'string' && l.msg.includes('started a private redis-server'),
    ) as { url: string; dir: string } | undefined;
    expect(started?.dir).toBe(join(cwd, '.perfbot', 'redis'));
    expect((await fetch(`${address}/readyz`)).status).toBe(200);
    const port = Number(new URL(started?.url ?? '').port);
    // On the default address, so other perfbot commands started beside it find it.
    expect(port).toBe(6379);
    r.child.kill('SIGINT');
    expect(await r.exited).toBe(0);
    expect(await isListening('127.0.0.1', port)).toBe(false);
    expect(existsSync(join(cwd, '.perfbot', 'redis'))).toBe(true);
  });

  it('refuses to start on an invalid playbook, naming file and line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'perfbot-bad-'));
    await writeFile(
      join(dir, 'bad.yml'),
      'id: bad\ntitle: Bad\ntarget:\n  namespace: default\nchecks:\n  - id: c\n    kind: nope.kind\n    title: C\n',
    );
    const r = run(['serve'], { PORT: '0', REDIS_URL: testRedisUrl(), PLAYBOOKS_DIR: dir });
    expect(await r.exited).toBe(1);
    expect(r.lines.map((l) => l.text).join('\n')).toMatch(/bad\.yml:7: checks\.0\.kind/);
  });

  it('reports every bad environment variable at once', async () => {
    const r = run(['serve'], { PORT: 'x', REDIS_URL: 'nope' });
    expect(await r.exited).toBe(1);
    const text = r.lines.map((l) => l.text).join('\n');
    expect(text).toContain('PORT:');
    expect(text).toContain('REDIS_URL:');
  });
});
