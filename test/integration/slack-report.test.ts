// The diagnosis report as the incident channel in Slack shows it (signed webhook in, Slack fake
// out, the real response layer and playbooks): verdict first, the path through the decision tree,
// each value once with its unit and threshold, advice with its indentation, the rest collapsed to
// a count with the full list as a second message — and "Nothing was measured", never a green
// verdict, when no check could run.
import { afterEach, describe, expect, it } from 'vitest';
import {
  ALL_BACKENDS,
  alertmanagerPayload,
  blocksText,
  fakeChecks,
  type Harness,
  INCIDENT_CHANNEL,
  s3Throttling,
  startHarness,
  waitUntil,
} from './slack-harness.js';

const README_ALERT = {
  alertname: 'S3SentinelProcessingLatencyHigh',
  fingerprint: 'abc123',
  labels: { playbook: 'sentinel-connector', severity: 'critical' },
  annotations: { summary: 'Processing latency exceeded threshold' },
};

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function threadAfterAlert(harness: Harness, group: string): Promise<string[]> {
  const res = await harness.alertmanager(
    alertmanagerPayload({ groupKey: group, status: 'firing', alerts: [README_ALERT] }),
  );
  expect(res.status).toBe(202);
  const root = await waitUntil(() => harness.fake.roots(INCIDENT_CHANNEL)[0], 'the incident root');
  await waitUntil(
    () =>
      harness.fake
        .thread(INCIDENT_CHANNEL, root.ts)
        .some((m) => /Nothing was measured|Bottleneck:/.test(blocksText(m))),
    'the report',
    45_000,
  );
  await harness.settle();
  // What a person reads in each message: its blocks (the fallback repeats them for notifications).
  return harness.fake.thread(INCIDENT_CHANNEL, root.ts).map(blocksText);
}

describe('the report in a Slack thread', () => {
  it('nothing configured: "Nothing was measured" and what to set; no green verdict, no second list', async () => {
    h = await startHarness();
    const thread = await threadAfterAlert(h, 'nothing-configured');
    const reports = thread.filter((t) => t.includes('Nothing was measured'));
    expect(reports).toHaveLength(1);
    const report = reports[0] as string;
    expect(report.split('\n')[0]).toBe(':fast_forward: Nothing was measured: all 18 checks skipped');
    expect(report).toContain(
      'To measure, set PROMETHEUS_URL (6 checks), KUBECONFIG (10 checks), AWS_REGION (1 check), AZURE_MONITOR_METRICS_ENDPOINT (1 check)',
    );
    const all = thread.join('\n');
    for (const green of ['No bottleneck', ':large_green_circle:', ':white_check_mark:', 'Proposed fixes'])
      expect(all).not.toContain(green);
    expect(all).not.toContain('The other');
  });

  it('a bottleneck: its path first, each value once, advice indented, the rest as a second message', async () => {
    h = await startHarness({ checks: fakeChecks(s3Throttling), backends: ALL_BACKENDS });
    const thread = await threadAfterAlert(h, 'throttled');
    const at = thread.findIndex((t) => t.includes('Bottleneck:'));
    const report = thread[at] as string;
    expect(report.split('\n')[0]).toBe(
      ':red_circle: Bottleneck: Slow processing (batch time over 5s; alert over 30s) → S3 download is slow → S3 throttling (SlowDown / 5xx / rate limiter waits)',
    );
    // The deciding values, each once, with unit and thresholds, before the fixes and the advice.
    // (">" is escaped for mrkdwn, as everything perfbot sends.)
    expect(report.split(': 12 s (warn &gt; 5 s, critical &gt; 30 s)')).toHaveLength(2);
    expect(report.split(': 3 s (warn &gt; 500 ms, critical &gt; 2 s)')).toHaveLength(2);
    expect(report).not.toMatch(/value=12|\b12\.\d/);
    const order = ['*Evidence*', '*Proposed fixes', '*Advice*'].map((s) => report.indexOf(s));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // The playbook's advice keeps its line breaks and its indentation (the continued item 2).
    expect(report).toContain(
      '      _2. The runbook\'s "increase batch size: process more per request" does not reduce GET_\n         _requests — S3 downloads one object per request',
    );
    // The rest collapsed to a count; the full list follows as the next message.
    const collapsed = /(\d+) other checks: [^\n]+ — full list below/.exec(report);
    expect(collapsed).not.toBeNull();
    const details = thread[at + 1] as string;
    expect(details).toMatch(
      new RegExp(
        `^The other ${collapsed?.[1]} checks of S3 to Sentinel connector performance \\(\\d+ shown in the report above\\)`,
      ),
    );
  });
});
