#!/usr/bin/env node
// What `npm start` and `npm test` need from the operating system, installed once: redis-server
// for the bot, and for the tests also the servers the integration tests run for real (and curl,
// for the README's requests). `.ci/run`
// calls this same script, so CI and the README cannot drift apart.
//
//   node scripts/setup.mjs start|test
//
// Idempotent: nothing missing, nothing done. REDIS_URL set (or PERFBOT_SETUP=0) skips it all.
// Debian/Ubuntu: apt-get as root, or through sudo; the packages' services are not started (a
// temporary policy-rc.d) and, under systemd, not enabled: perfbot and the tests start their own.
// Anywhere packages cannot be installed it prints exactly what to install and exits 1.
// PERFBOT_SETUP_DRY_RUN=1 prints what it would do (and asks apt-get to simulate it).
// Only Node's standard library: this runs before anything else is installed.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { Socket } from 'node:net';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Debian package → the commands it provides that perfbot or its tests run. */
export const PACKAGES = {
  'redis-server': ['redis-server'],
  'redis-sentinel': ['redis-sentinel'],
  prometheus: ['prometheus', 'promtool'],
  'prometheus-alertmanager': ['prometheus-alertmanager', 'amtool'],
  'clickhouse-server': ['clickhouse-server'],
  'clickhouse-client': ['clickhouse-client'],
  // The README's "Try it" requests, which a test runs as written.
  curl: ['curl'],
};

export const NEEDED = {
  start: ['redis-server'],
  test: Object.keys(PACKAGES),
};

/** Packages whose daemon Debian would start and enable on install. */
const SERVICES = [
  'redis-server',
  'redis-sentinel',
  'prometheus',
  'prometheus-alertmanager',
  'clickhouse-server',
];

// Daemons live in sbin, which is not on every user's PATH (the tests look there too).
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

export function hasCommand(name, path = process.env.PATH ?? '') {
  for (const dir of [...path.split(delimiter).filter(Boolean), ...EXTRA_DIRS]) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

/** The shell script run as root: no service starts during the install, none is enabled. */
export function aptScript(packages) {
  const services = SERVICES.filter((s) => packages.includes(s));
  return [
    'set -e',
    // sudo keeps its own secure PATH; as root from an odd PATH, the system tools are still found.
    'PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH"',
    'made=',
    'if [ ! -e /usr/sbin/policy-rc.d ]; then',
    "  printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && made=1",
    'fi',
    'trap \'[ -z "$made" ] || rm -f /usr/sbin/policy-rc.d\' EXIT',
    // A fresh image has no package lists; a machine without network may still have them.
    'apt-get update -qq || echo "setup: apt-get update failed; trying with the lists there are" >&2',
    `DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq --no-install-recommends ${packages.join(' ')}`,
    ...(services.length
      ? [
          `if [ -d /run/systemd/system ]; then systemctl disable --now --quiet ${services.join(' ')} || true; fi`,
        ]
      : []),
  ].join('\n');
}

/**
 * What to do, from the facts (pure, so it is tested alone). Facts: env, platform, isRoot,
 * has(cmd), tty, redisListening (something answers on 127.0.0.1:6379).
 */
export function plan(mode, facts) {
  const { env } = facts;
  if (env.REDIS_URL)
    return { action: 'skip', reason: `REDIS_URL is set (${redact(env.REDIS_URL)}): nothing to install` };
  if (env.PERFBOT_SETUP === '0') return { action: 'skip', reason: 'PERFBOT_SETUP=0: nothing installed' };
  const missing = NEEDED[mode].filter((pkg) => !PACKAGES[pkg].every((cmd) => facts.has(cmd)));
  if (missing.length === 0) return { action: 'none' };
  if (mode === 'start' && facts.redisListening) {
    return { action: 'skip', reason: 'a Redis answers on 127.0.0.1:6379: perfbot will use it' };
  }
  const list = missing.join(' ');
  const fallback = fallbackLine(mode);
  if (facts.platform === 'linux' && facts.has('apt-get')) {
    const script = aptScript(missing);
    if (facts.isRoot) return { action: 'install', packages: missing, command: ['sh', '-c', script] };
    if (facts.has('sudo')) {
      // Without a terminal sudo cannot ask for a password: -n fails at once instead of hanging.
      const sudo = facts.tty ? ['sudo'] : ['sudo', '-n'];
      return { action: 'install', packages: missing, command: [...sudo, 'sh', '-c', script] };
    }
    return stop(missing, 'not root, and sudo is not installed', [
      `as root: apt-get install -y --no-install-recommends ${list}`,
      fallback,
    ]);
  }
  if (facts.platform === 'darwin') {
    // Homebrew names differ and has no clickhouse-server/prometheus-alertmanager commands:
    // those integration tests skip, saying why.
    const brew = ['redis', ...(mode === 'test' ? ['prometheus'] : [])];
    if (facts.has('brew'))
      return { action: 'install', packages: brew, command: ['brew', 'install', ...brew] };
    return stop(missing, 'macOS without Homebrew', [
      'install Homebrew (https://brew.sh), then: brew install redis',
      fallback,
    ]);
  }
  return stop(missing, 'no apt-get on this system', [
    `install ${list} (or your distribution's packages of them, e.g. dnf install redis)`,
    fallback,
  ]);
}

function fallbackLine(mode) {
  return `or set REDIS_URL to a Redis you run (${mode === 'test' ? 'the tests then skip what is missing' : 'skips this'})`;
}

function stop(missing, why, todo) {
  return {
    action: 'stop',
    packages: missing,
    message: [
      `perfbot setup: needed but not installed: ${missing.join(', ')}`,
      `  cannot install them here: ${why}`,
      '  install them, then run the command again:',
      ...todo.map((t) => `    ${t}`),
    ].join('\n'),
  };
}

function redact(url) {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}

function listening(host, port, ms = 300) {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(ms, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

export async function main(mode, env = process.env) {
  if (!(mode in NEEDED)) {
    console.error('usage: node scripts/setup.mjs start|test');
    return 2;
  }
  const facts = {
    env,
    platform: process.platform,
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
    has: (cmd) => hasCommand(cmd, env.PATH),
    tty: process.stdin.isTTY === true,
    redisListening: mode === 'start' && !env.REDIS_URL ? await listening('127.0.0.1', 6379) : false,
  };
  const p = plan(mode, facts);
  const dry = env.PERFBOT_SETUP_DRY_RUN === '1';
  if (p.action === 'none') return 0;
  if (p.action === 'skip') {
    console.log(`setup: ${p.reason}`);
    return 0;
  }
  if (p.action === 'stop') {
    console.error(p.message);
    return 1;
  }
  console.log(`setup: installing ${p.packages.join(' ')} (needed by npm ${mode})`);
  if (dry) {
    console.log(`setup: dry run; would run: ${p.command.map(quote).join(' ')}`);
    if (p.command.includes('sh') && facts.has('apt-get')) {
      const sim = spawnSync('apt-get', ['install', '-s', '--no-install-recommends', ...p.packages], {
        encoding: 'utf8',
        env: { ...env, PATH: `${env.PATH ?? ''}${delimiter}/usr/bin${delimiter}/bin` },
      });
      const inst = (sim.stdout ?? '').split('\n').filter((l) => l.startsWith('Inst '));
      console.log(`setup: apt-get simulation (exit ${sim.status}): ${inst.length} packages to install`);
      for (const l of inst) console.log(`  ${l}`);
    }
    return 0;
  }
  const [cmd, ...args] = p.command;
  const run = spawnSync(cmd, args, { stdio: 'inherit', env });
  const still = NEEDED[mode].filter((pkg) => !PACKAGES[pkg].every((c) => facts.has(c)));
  if (run.status !== 0 || (process.platform === 'linux' && still.length > 0)) {
    console.error(
      stop(
        still.length ? still : p.packages,
        run.error ? run.error.message : `${cmd} exited with ${run.status ?? run.signal}`,
        [
          `${process.platform === 'darwin' ? 'brew install' : 'as root: apt-get install -y --no-install-recommends'} ${p.packages.join(' ')}`,
          fallbackLine(mode),
        ],
      ).message,
    );
    return 1;
  }
  console.log(`setup: installed ${p.packages.join(' ')}`);
  return 0;
}

const quote = (s) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv[2]);
}
