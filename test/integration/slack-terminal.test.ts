// Without Slack credentials `perfbot serve` still works: the terminal is the incident channel,
// printed with the text renderer, and the start-up says so.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import {
  ALL_BACKENDS,
  alertmanagerPayload,
  fakeChecks,
  type Harness,
  s3Throttling,
  startHarness,
  waitUntil,
} from './slack-harness.js';

let h: Harness;
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean))
        logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  h = await startHarness({
    terminal: true,
    checks: fakeChecks(s3Throttling),
    backends: ALL_BACKENDS,
    log: createLogger({ level: 'warn', destination, pretty: false }),
  });
});
afterAll(async () => {
  await h?.close();
});

describe('no Slack credentials', () => {
  it('says at start that incidents are printed here, and serves no Slack route', async () => {
    expect(h.chat.kind).toBe('terminal');
    expect(logLines.some((l) => String(l.msg).includes('no Slack credentials (SLACK_BOT_TOKEN)'))).toBe(true);
    const res = await fetch(`${h.url}/slack/events`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(404);
  });

  it('prints the incident root, the diagnosis report and the resolution', async () => {
    const alert = {
      alertname: 'S3SentinelS3DownloadLatencyHigh',
      fingerprint: 'term-1',
      labels: { playbook: 'sentinel-connector', severity: 'critical', service: 's3-sentinel-connector' },
      annotations: { summary: 'S3 downloads are slow' },
    };
    const fire = await h.alertmanager(
      alertmanagerPayload({ groupKey: 'term', status: 'firing', alerts: [alert] }),
    );
    expect(fire.status).toBe(202);
    await waitUntil(() => h.printed.some((p) => p.includes('Bottleneck: ')), 'the report', 30_000);
    await h.settle();
    const out = h.printed.join('\n');
    // One line for the incident, the verdict-first report once, no progress (not a TTY).
    expect(h.printed[0]).toMatch(
      /^🔴 CRITICAL: S3SentinelS3DownloadLatencyHigh — S3 downloads are slow — 1 of 1 alert firing · playbook sentinel-connector · inc-/,
    );
    const reports = h.printed.filter((p) => p.includes('Bottleneck: '));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toContain(
      '✖ Bottleneck: Slow processing (batch time over 5s; alert over 30s) → S3 download is slow → S3 throttling (SlowDown / 5xx / rate limiter waits)',
    );
    expect(out).not.toContain('Running checks');
    expect(out).toMatch(/chart "S3 download latency, P95 \(critical\)" \(\d+ bytes PNG\)/);

    const resolve = await h.alertmanager(
      alertmanagerPayload({
        groupKey: 'term',
        status: 'resolved',
        alerts: [{ ...alert, status: 'resolved', endsAt: new Date().toISOString() }],
      }),
    );
    expect(resolve.status).toBe(202);
    await waitUntil(
      () =>
        h.printed.some((p) =>
          /^✅ Resolved: S3SentinelS3DownloadLatencyHigh — after [\dsmhd ]+ · playbook sentinel-connector · /.test(
            p,
          ),
        ),
      'the resolution',
      30_000,
    );
    await h.settle();
    // The resolution is one line: the thread's "all alerts resolved" reply is Slack's alone.
    expect(h.printed.filter((p) => p.includes('Resolved'))).toHaveLength(1);
  });
});
