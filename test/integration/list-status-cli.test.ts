// `perfbot list` and `perfbot status` as a user runs them: the built CLI in a child process.
// list needs only the playbooks; status reads open incidents from Redis, and an unreachable
// Redis is one line naming the address and what to do.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/perfbot-process.js';
import { testRedisUrl } from '../support/redis.js';

const ROOT = join(import.meta.dirname, '../..');
const execFileP = promisify(execFile);

async function perfbot(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await execFileP(process.execPath, ['bin/perfbot.js', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('perfbot list / status', { timeout: 120_000 }, () => {
  beforeAll(() => ensureBuilt(), 300_000);

  it('list names every playbook, its aliases and the alerts that trigger it', async () => {
    const r = await perfbot(['list']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^data-pipeline — Data processing pipeline performance:/m);
    expect(r.stdout).toMatch(/^sentinel-connector — S3 to Sentinel connector performance:/m);
    expect(r.stdout).toContain('aliases: sentinel, s3-sentinel');
    expect(r.stdout).toContain('- alert HighLatency namespace="data-processing"');
    expect(r.stderr).toBe('');
  });

  it('list --json is the same catalogue as data', async () => {
    const r = await perfbot(['list', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as { id: string; aliases: string[]; triggers: unknown[] }[];
    expect(rows.map((p) => p.id).sort()).toEqual(['data-pipeline', 'sentinel-connector']);
    expect(rows.find((p) => p.id === 'sentinel-connector')?.aliases).toContain('sentinel');
    expect(rows.every((p) => p.triggers.length > 0)).toBe(true);
  });

  it('status against an unreachable Redis says which address and what to do, exit 1', async () => {
    const r = await perfbot(['status'], { REDIS_URL: 'redis://127.0.0.1:1/' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      'perfbot: cannot reach Redis at redis://127.0.0.1:1/ (ECONNREFUSED) — check that Redis runs there, or correct REDIS_URL',
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('status against a Redis with no open incident says so', async () => {
    // A database number no other test writes to: status reads the default key prefix.
    const r = await perfbot(['status', '--json'], {
      REDIS_URL: `${testRedisUrl().replace(/\/\d*$/, '')}/13`,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });
});
