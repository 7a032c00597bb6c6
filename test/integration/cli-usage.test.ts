// The CLI as someone new to it uses it: the built bin/perfbot.js in a child process. --version,
// help for every command, a suggestion for a mistyped command, exit 2 for usage errors, --json
// where a script would want it, and plain text (no Slack markup) everywhere.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAlertmanager } from '../../src/alerts/alertmanager.js';
import { IncidentStore } from '../../src/incidents/store.js';
import { PlaybookCatalog } from '../../src/playbooks/catalog.js';
import { loadPlaybooksOrThrow } from '../../src/playbooks/loader.js';
import { routeAlert } from '../../src/playbooks/route.js';
import { ensureBuilt } from '../support/perfbot-process.js';
import { testRedisUrl } from '../support/redis.js';

const ROOT = join(import.meta.dirname, '../..');
const execFileP = promisify(execFile);
// The CLI uses the default key prefix: a database of its own, left empty.
const REDIS_URL = `${testRedisUrl()}/10`;
const COMMANDS = ['serve', 'worker', 'diagnose', 'validate', 'audit', 'timeline', 'list', 'status'];

async function perfbot(args: string[]) {
  try {
    const { stdout, stderr } = await execFileP(process.execPath, ['bin/perfbot.js', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', REDIS_URL },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Slack's markup: emoji codes, mentions, special mentions, links. */
const SLACK_SYNTAX = /:[a-z][a-z0-9_+-]*:(?![\d/])|<@[UW]|<!(here|channel|subteam)|<https?:[^>]*\|/;

describe('perfbot CLI usage', { timeout: 300_000 }, () => {
  beforeAll(() => ensureBuilt(), 300_000);

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await perfbot([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
    }
  });

  it('every command has its own --help (and `help <command>`), exit 0', async () => {
    const top = await perfbot(['--help']);
    expect(top.code).toBe(0);
    for (const name of COMMANDS) {
      expect(top.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
      for (const args of [
        [name, '--help'],
        ['help', name],
      ]) {
        const r = await perfbot(args);
        expect(r.code, args.join(' ')).toBe(0);
        expect(r.stdout, args.join(' ')).toMatch(new RegExp(`^Usage: perfbot ${name} `));
        expect(r.stdout).toContain('-h, --help');
        expect(r.stderr).toBe('');
      }
    }
  });

  it('a mistyped command gets a suggestion and exit 2', async () => {
    for (const [typo, meant] of [
      ['statu', 'status'],
      ['diagnos', 'diagnose'],
      ['valdiate', 'validate'],
    ]) {
      const r = await perfbot([typo as string]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `error: unknown command '${typo}'\n(Did you mean ${meant}?)\n(run perfbot --help for the commands)\n`,
      );
      expect(r.stdout).toBe('');
    }
  });

  it('usage errors exit 2 and point at the command help', async () => {
    const cases: [string[], string][] = [
      [['diagnose'], "error: missing required argument 'playbook'"],
      [['timeline'], "error: missing required argument 'incident'"],
      [['list', '--bogus'], "error: unknown option '--bogus'"],
      [['status', 'extra'], "error: too many arguments for 'status'"],
      [['timeline', 'inc-1', '--format', 'yaml'], "argument 'yaml' is invalid"],
      [['audit', 'bogus'], 'unknown audit subcommand "bogus"'],
      [['audit', 'export', '--before', 'yesterday'], 'export needs --before DATE: "yesterday" is not a date'],
    ];
    for (const [args, message] of cases) {
      const r = await perfbot(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain(message);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }
    expect((await perfbot(['diagnose'])).stderr).toContain('(run perfbot diagnose --help for its usage)');
  });

  it('--json on list, status, audit and diagnose is JSON; the text forms have no Slack markup', async () => {
    const list = await perfbot(['list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { id: string }[]).map((p) => p.id)).toEqual([
      'data-pipeline',
      'sentinel-connector',
    ]);
    const status = await perfbot(['status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual([]);
    const audit = await perfbot(['audit', '--json']);
    expect(audit.code, audit.stderr).toBe(0);
    for (const line of audit.stdout.split('\n').filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
    const diagnose = await perfbot(['diagnose', 'sentinel', '--json']);
    expect(diagnose.code, diagnose.stderr).toBe(0);
    expect(JSON.parse(diagnose.stdout)).toMatchObject({
      playbook: { id: 'sentinel-connector' },
      status: 'skipped',
    });

    for (const args of [['list'], ['status'], ['diagnose', 'sentinel', '--verbose'], ['validate']]) {
      const r = await perfbot(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(`${r.stdout}${r.stderr}`, args.join(' ')).not.toMatch(SLACK_SYNTAX);
    }
  });

  it('outside text cannot drive the terminal: control characters in an alert are shown, not acted on', async () => {
    const redis = new Redis(REDIS_URL);
    try {
      const catalog = new PlaybookCatalog(await loadPlaybooksOrThrow(join(ROOT, 'playbooks')));
      const batch = parseAlertmanager(
        {
          version: '4',
          status: 'firing',
          receiver: 'perfbot',
          groupKey: '{}:{alertname="evil"}',
          alerts: [
            {
              status: 'firing',
              labels: { alertname: 'Evil\x1b[2J\x1b[31mRED', severity: 'critical' },
              annotations: { summary: 'ring\x07 \u202eabc' },
              startsAt: '2026-11-22T13:00:00Z',
            },
          ],
        },
        { now: () => new Date() },
      );
      await new IncidentStore({ redis }).apply(
        batch,
        batch.alerts.map((a) => routeAlert(a, catalog)),
      );
      const r = await perfbot(['status']);
      expect(r.code, r.stderr).toBe(0);
      for (const raw of ['\x1b', '\x07', '\u202e']) expect(r.stdout).not.toContain(raw);
      expect(r.stdout).toContain('Evil\\x1b[2J\\x1b[31mRED');
      // JSON keeps the data as it is, escaped by JSON itself.
      const json = await perfbot(['status', '--json']);
      expect(JSON.stringify(JSON.parse(json.stdout))).toContain('Evil\\u001b[2J');
    } finally {
      await redis.flushdb();
      redis.disconnect();
    }
  });
});
