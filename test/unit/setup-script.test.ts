// scripts/setup.mjs, which `npm start`, `npm test` and .ci/run call first: what it decides on
// each kind of machine (pure plan), and, as a child process with redis-server and the test
// servers hidden from its PATH, what it would install (apt-get simulates it; nothing changes).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'setup.mjs');

type Plan =
  | { action: 'skip'; reason: string }
  | { action: 'none' }
  | { action: 'install'; packages: string[]; command: string[] }
  | { action: 'stop'; packages: string[]; message: string };
interface Facts {
  env: Record<string, string>;
  platform: string;
  isRoot: boolean;
  has: (cmd: string) => boolean;
  tty: boolean;
  redisListening: boolean;
}
const setup = (await import(SCRIPT)) as {
  plan(mode: 'start' | 'test', facts: Facts): Plan;
  NEEDED: Record<'start' | 'test', string[]>;
};

/** A Debian machine with only Node (and apt-get, sh, maybe sudo). */
const fresh = (over: Partial<Facts> = {}, present: string[] = []): Facts => ({
  env: {},
  platform: 'linux',
  isRoot: true,
  has: (cmd) => ['apt-get', 'sh', ...present].includes(cmd),
  tty: true,
  redisListening: false,
  ...over,
});

describe('setup plan', () => {
  it('start on a fresh Debian machine as root: installs redis-server only, services kept off', () => {
    const p = setup.plan('start', fresh());
    expect(p).toMatchObject({ action: 'install', packages: ['redis-server'] });
    const command = (p as { command: string[] }).command;
    expect(command.slice(0, 2)).toEqual(['sh', '-c']);
    const script = command[2] ?? '';
    expect(script).toContain('apt-get install -y -qq --no-install-recommends redis-server');
    expect(script).toContain("printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d");
    expect(script).toContain('systemctl disable --now --quiet redis-server');
  });

  it('test installs every server the integration tests run', () => {
    const p = setup.plan('test', fresh());
    expect(p).toMatchObject({
      action: 'install',
      packages: [
        'redis-server',
        'redis-sentinel',
        'prometheus',
        'prometheus-alertmanager',
        'clickhouse-server',
        'clickhouse-client',
        'curl',
      ],
    });
  });

  it('does nothing when everything is there, and only what is missing otherwise', () => {
    const all = [
      'redis-server',
      'redis-sentinel',
      'prometheus',
      'promtool',
      'prometheus-alertmanager',
      'amtool',
      'clickhouse-server',
      'clickhouse-client',
      'curl',
    ];
    expect(setup.plan('test', fresh({}, all))).toEqual({ action: 'none' });
    const noAmtool = all.filter((c) => c !== 'amtool');
    expect(setup.plan('test', fresh({}, noAmtool))).toMatchObject({ packages: ['prometheus-alertmanager'] });
  });

  it('a set REDIS_URL skips everything, and says so without its password', () => {
    const p = setup.plan('test', fresh({ env: { REDIS_URL: 'redis://:pw@cache:6379' } }));
    expect(p).toEqual({
      action: 'skip',
      reason: 'REDIS_URL is set (redis://:***@cache:6379): nothing to install',
    });
  });

  it('start uses a Redis already answering on 127.0.0.1:6379', () => {
    expect(setup.plan('start', fresh({ redisListening: true }))).toMatchObject({ action: 'skip' });
  });

  it('goes through sudo when not root; without a terminal sudo must not prompt', () => {
    const sudo = (cmd: string) => ['apt-get', 'sudo'].includes(cmd);
    expect(setup.plan('start', fresh({ isRoot: false, has: sudo })).action).toBe('install');
    expect(
      (setup.plan('start', fresh({ isRoot: false, has: sudo })) as { command: string[] }).command[0],
    ).toBe('sudo');
    const batch = setup.plan('start', fresh({ isRoot: false, has: sudo, tty: false })) as {
      command: string[];
    };
    expect(batch.command.slice(0, 3)).toEqual(['sudo', '-n', 'sh']);
  });

  it('stops with exactly what to install where it cannot install', () => {
    const user = setup.plan('start', fresh({ isRoot: false }));
    expect(user).toEqual({
      action: 'stop',
      packages: ['redis-server'],
      message: [
        'perfbot setup: needed but not installed: redis-server',
        '  cannot install them here: not root, and sudo is not installed',
        '  install them, then run the command again:',
        '    as root: apt-get install -y --no-install-recommends redis-server',
        '    or set REDIS_URL to a Redis you run (skips this)',
      ].join('\n'),
    });
    const mac = setup.plan('start', fresh({ platform: 'darwin', has: () => false }));
    expect(mac).toMatchObject({ action: 'stop' });
    expect((mac as { message: string }).message).toContain('brew install redis');
    const fedora = setup.plan('test', fresh({ has: () => false }));
    expect((fedora as { message: string }).message).toContain('no apt-get on this system');
  });

  it('uses Homebrew on macOS when it is there', () => {
    const p = setup.plan('start', fresh({ platform: 'darwin', has: (c) => c === 'brew' }));
    expect(p).toMatchObject({ action: 'install', command: ['brew', 'install', 'redis'] });
  });
});

describe('scripts/setup.mjs as a child process, redis-server hidden from PATH', () => {
  // PATH holds only these (empty, or apt-get alone): no redis-server, no sudo.
  const empty = mkdtempSync(join(tmpdir(), 'perfbot-setup-path-'));
  const aptOnly = mkdtempSync(join(tmpdir(), 'perfbot-setup-path-'));
  const noRoot = mkdtempSync(join(tmpdir(), 'perfbot-setup-path-'));
  afterAll(() => {
    for (const dir of [empty, aptOnly, noRoot]) rmSync(dir, { recursive: true, force: true });
  });

  function run(mode: string, path: string, env: Record<string, string>) {
    return spawnSync(process.execPath, [SCRIPT, mode], { encoding: 'utf8', env: { PATH: path, ...env } });
  }

  it('names what it would install (dry run only: nothing is installed) and apt-get resolves it', (ctx) => {
    if (!existsSync('/usr/bin/apt-get')) {
      console.log('skipped: no /usr/bin/apt-get here (not Debian/Ubuntu)');
      ctx.skip();
      return;
    }
    symlinkSync('/usr/bin/apt-get', join(aptOnly, 'apt-get'));
    const r = run('start', aptOnly, { PERFBOT_SETUP_DRY_RUN: '1' });
    // Something on 127.0.0.1:6379 (another perfbot) makes start skip, which is right too.
    if (r.stdout.includes('a Redis answers on 127.0.0.1:6379')) return;
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('setup: installing redis-server (needed by npm start)');
    expect(r.stdout).toContain('apt-get install -y -qq --no-install-recommends redis-server');
    expect(r.stdout).toMatch(/setup: apt-get simulation \(exit 0\)/);
  });

  it('without apt-get it stops, saying what to install', () => {
    const r = run('test', empty, {});
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('perfbot setup: needed but not installed: redis-server, redis-sentinel');
  });

  // The no-root branches as a real user meets them: the script run as `nobody` (setpriv), with
  // apt-get on its PATH and either no sudo or a sudo that wants a password it cannot ask for.
  const asNobody = (path: string) =>
    spawnSync(
      '/usr/bin/setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, SCRIPT, 'start'],
      {
        encoding: 'utf8',
        env: { PATH: path },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
  const canDropRoot =
    process.getuid?.() === 0 && existsSync('/usr/bin/setpriv') && existsSync('/usr/bin/apt-get');

  it.skipIf(!canDropRoot)('not root and no sudo: says exactly what to install, and stops', () => {
    chmodSync(noRoot, 0o755);
    symlinkSync('/usr/bin/apt-get', join(noRoot, 'apt-get'));
    const r = asNobody(noRoot);
    if (r.stdout.includes('a Redis answers on 127.0.0.1:6379')) return;
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      [
        'perfbot setup: needed but not installed: redis-server',
        '  cannot install them here: not root, and sudo is not installed',
        '  install them, then run the command again:',
        '    as root: apt-get install -y --no-install-recommends redis-server',
        '    or set REDIS_URL to a Redis you run (skips this)',
        '',
      ].join('\n'),
    );
  });

  it.skipIf(!canDropRoot)(
    'not root, sudo wants a password: sudo -n fails at once, and it says what to do',
    () => {
      writeFileSync(join(noRoot, 'sudo'), '#!/bin/sh\necho "sudo: a password is required" >&2\nexit 1\n', {
        mode: 0o755,
      });
      const r = asNobody(noRoot);
      if (r.stdout.includes('a Redis answers on 127.0.0.1:6379')) return;
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(
        'perfbot setup: needed but not installed: redis-server\n  cannot install them here: sudo exited with 1',
      );
      expect(r.stderr).toContain('    as root: apt-get install -y --no-install-recommends redis-server\n');
      expect(r.stderr).toContain('    or set REDIS_URL to a Redis you run (skips this)');
    },
  );

  it('a set REDIS_URL skips it all', () => {
    const r = run('test', empty, { REDIS_URL: 'redis://127.0.0.1:6399' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('setup: REDIS_URL is set (redis://127.0.0.1:6399): nothing to install\n');
  });
});
