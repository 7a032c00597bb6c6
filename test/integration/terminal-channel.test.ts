// What a newcomer sees: `perfbot serve` without Slack, run as a child process, nothing
// configured, the README's alert posted (and a 9-alert storm through a real Alertmanager). The
// whole output, start to shutdown, is counted. A child's stdout is a pipe, so that run is the
// "not a TTY" mode (JSON log lines only); when util-linux `script` is installed the same run
// goes through a pseudo-terminal too (text lines, progress on one line redrawn in place).
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedRedis, freePort, startEmbeddedRedis } from '../../src/redis/embedded.js';
import {
  ALERTMANAGER_BINARY,
  type PostableAlert,
  postAlerts,
  startAlertmanager,
} from '../support/alertmanager.js';
import { ensureBuilt } from '../support/perfbot-process.js';
import { hasBinary, skipWithout } from '../support/servers.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'perfbot.js');
const HAS_SCRIPT = hasBinary('script');
const MODES = HAS_SCRIPT ? (['pipe', 'tty'] as const) : (['pipe'] as const);
if (!HAS_SCRIPT) console.warn('script (util-linux) not installed: the TTY runs are skipped');
type Mode = (typeof MODES)[number];

/** The README's "Try it" alert. */
const README_ALERT = {
  version: '4',
  groupKey: '{}:{alertname="S3SentinelProcessingLatencyHigh"}',
  status: 'firing',
  receiver: 'perfbot',
  groupLabels: {},
  commonLabels: {},
  commonAnnotations: {},
  externalURL: '',
  truncatedAlerts: 0,
  alerts: [
    {
      status: 'firing',
      labels: {
        alertname: 'S3SentinelProcessingLatencyHigh',
        playbook: 'sentinel-connector',
        severity: 'critical',
      },
      annotations: { summary: 'Processing latency exceeded threshold' },
      startsAt: '2026-11-22T13:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: '',
      fingerprint: 'abc123',
    },
  ],
};

interface Serve {
  url: string;
  output(): string;
  /** Ctrl-C on the terminal, SIGTERM on a pipe; resolves with everything printed. */
  stop(): Promise<string>;
}

const children = new Set<ChildProcess>();

async function serve(redisUrl: string, mode: Mode): Promise<Serve> {
  const port = await freePort();
  // Nothing configured: no Slack, no back ends; only where to listen and which Redis.
  const env = { PATH: process.env.PATH ?? '', PORT: String(port), HOST: '127.0.0.1', REDIS_URL: redisUrl };
  const child =
    mode === 'tty'
      ? spawn('script', ['-qfec', `'${process.execPath}' '${BIN}' serve`, '/dev/null'], {
          cwd: ROOT,
          env: { ...env, TERM: 'xterm' },
          stdio: ['pipe', 'pipe', 'pipe'],
        })
      : spawn(process.execPath, [BIN, 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  while (
    !(await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (child.exitCode !== null) throw new Error(`perfbot exited:\n${output}`);
    if (Date.now() > deadline) throw new Error(`perfbot did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    output: () => output,
    stop: async () => {
      if (mode === 'tty') child.stdin?.write('\x03');
      else child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
      children.delete(child);
      return output;
    },
  };
}

/** Webhook notifications Alertmanager has sent so far (its own counter). */
async function notificationsSent(amUrl: string): Promise<number> {
  const text = await (await fetch(`${amUrl}/metrics`)).text();
  const line = /^alertmanager_notifications_total\{[^}]*integration="webhook"[^}]*\} (\S+)$/m.exec(text);
  return Number(line?.[1] ?? 0);
}

async function until(what: string, fn: () => boolean, s: Serve, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}:\n${s.output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Lines as the person (or the log collector) gets them; a pseudo-terminal ends lines with \r\n. */
function linesOf(output: string): string[] {
  const lines = output.replace(/\r\n/g, '\n').split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

const count = (text: string, needle: string) => text.split(needle).length - 1;
const measured: string[] = [];

let redisServer: EmbeddedRedis;
let redis: Redis;

beforeAll(async () => {
  await ensureBuilt();
  redisServer = await startEmbeddedRedis();
  redis = new Redis(redisServer.url);
}, 240_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  redis?.disconnect();
  await redisServer?.stop();
  if (measured.length > 0) console.log(`terminal channel line counts:\n  ${measured.join('\n  ')}`);
});

describe.skipIf(skipWithout('redis-server'))('perfbot serve, terminal as incident channel', () => {
  it.each(MODES)(
    'one alert, nothing configured (%s): under 60 lines in all, the report once, no progress, audit or stack lines',
    async (mode) => {
      await redis.flushall();
      const s = await serve(redisServer.url, mode);
      const res = await fetch(`${s.url}/alerts/alertmanager`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(README_ALERT),
      });
      expect(res.status).toBe(202);
      await until('the report', () => s.output().includes('Nothing was measured'), s);
      const out = await s.stop();
      const lines = linesOf(out);
      measured.push(`one alert, ${mode}: ${lines.length} lines`);

      expect(lines.length).toBeLessThan(60);
      expect(count(out, 'Nothing was measured: all 18 checks skipped')).toBe(1);
      expect(
        count(
          out,
          'CRITICAL: S3SentinelProcessingLatencyHigh — Processing latency exceeded threshold — 1 of 1 alert firing',
        ),
      ).toBe(1);
      expect(out).not.toContain('audit entry');
      expect(out).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
      expect(out).not.toContain('Running checks');
      // No Slack syntax on a terminal.
      expect(out).not.toMatch(/:[a-z_]+_circle:|<!|<@/);
      if (mode === 'pipe') {
        for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
        expect(out).not.toContain('⏳');
        expect(out).toContain('"msg":"incident opened"');
      } else {
        expect(lines.some((l) => l.startsWith('{"level"'))).toBe(false);
        // One line for the event: the channel's, not also the intake's log line.
        expect(out).not.toContain('incident opened');
        // The report and the incident line are text for a person.
        expect(
          lines.some((l) => /^\d\d:\d\d:\d\d 🔴 CRITICAL: S3SentinelProcessingLatencyHigh/.test(l)),
        ).toBe(true);
      }
    },
    180_000,
  );

  describe.skipIf(skipWithout(ALERTMANAGER_BINARY))('a storm through a real Alertmanager', () => {
    const NAMES = [
      ['S3SentinelProcessingLatencyHigh', 'sentinel-connector'],
      ['S3SentinelS3DownloadLatencyHigh', 'sentinel-connector'],
      ['S3SentinelIngestionLatencyHigh', 'sentinel-connector'],
      ['S3SentinelMemoryHigh', 'sentinel-connector'],
      ['S3SentinelCPUHigh', 'sentinel-connector'],
      ['S3SentinelRateLimitWaitHigh', 'sentinel-connector'],
      ['HighLatency', 'data-pipeline'],
      ['HighCPUUsage', 'data-pipeline'],
      ['HighMemoryUsage', 'data-pipeline'],
    ] as const;

    // Correlation (playbook `correlation`, key: namespace) folds the nine alert groups into one
    // incident per playbook and namespace: two incidents, two reports.
    it.each(MODES)(
      '9 alerts grouped by alertname, notified again and again (%s): under 300 lines, one incident and one report per playbook',
      async (mode) => {
        await redis.flushall();
        const s = await serve(redisServer.url, mode);
        const am = await startAlertmanager({
          webhookUrl: `${s.url}/alerts/alertmanager`,
          groupBy: ['alertname'],
          groupWait: '1s',
          groupInterval: '1s',
          // Every group sent again each second while it fires, as a storm that lasts would be.
          repeatInterval: '1s',
        });
        try {
          const now = Date.now();
          const alerts: PostableAlert[] = NAMES.map(([alertname, playbook], i) => ({
            labels: {
              alertname,
              playbook,
              severity: i % 2 === 0 ? 'critical' : 'warning',
              namespace: playbook === 'data-pipeline' ? 'data-processing' : 'default',
            },
            annotations: { summary: `${alertname} fired` },
            startsAt: new Date(now - 60_000).toISOString(),
            endsAt: new Date(now + 3_600_000).toISOString(),
          }));
          await postAlerts(am.url, alerts);
          await until('2 reports', () => count(s.output(), 'Nothing was measured') >= 2, s, 120_000);
          // Then the storm goes on: every group notified three more times after the reports.
          const sent = () => notificationsSent(am.url);
          const after = await sent();
          const deadline = Date.now() + 120_000;
          while ((await sent()) < after + 3 * NAMES.length) {
            if (Date.now() > deadline) throw new Error('Alertmanager stopped notifying');
            await new Promise((r) => setTimeout(r, 250));
          }
        } finally {
          await am.stop();
        }
        const out = await s.stop();
        const lines = linesOf(out);
        measured.push(`9-alert storm, ${mode}, every group notified 3 more times: ${lines.length} lines`);

        expect(lines.length).toBeLessThan(300);
        expect(count(out, 'Nothing was measured')).toBe(2);
        // Each incident's line names the playbook's first alert; the others joined it.
        expect(out).toMatch(/S3Sentinel\w+ fired/);
        expect(out).toMatch(/High\w+ fired/);
        expect(out).not.toContain('audit entry');
        expect(out).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
        if (mode === 'pipe') for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
      },
      300_000,
    );
  });
});
