// Without Slack the terminal is the incident channel: what people do to an incident (acknowledge,
// re-run its diagnosis, resolve it by hand) prints one line each, labelled with the incident.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../commands/index.js';
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
beforeAll(async () => {
  h = await startHarness({ terminal: true, checks: fakeChecks(s3Throttling), backends: ALL_BACKENDS });
});
afterAll(async () => {
  await h?.close();
});

describe('lifecycle events in the terminal', () => {
  it('ack, re-run and resolve print one line each', { timeout: 60_000 }, async () => {
    const fire = await h.alertmanager(
      alertmanagerPayload({
        groupKey: 'term-lifecycle',
        status: 'firing',
        alerts: [
          {
            alertname: 'S3SentinelS3DownloadLatencyHigh',
            fingerprint: 'term-lc-1',
            labels: { playbook: 'sentinel-connector', severity: 'warning' },
          },
        ],
      }),
    );
    const { incidents } = (await fire.json()) as { incidents: string[] };
    const id = incidents[0] as string;
    await waitUntil(async () => (await h.incidents.get(id))?.thread, 'the thread');
    await h.settle();
    const ctx = h.chat.commandContext({ kind: 'cli', user: 'alice' });
    const from = h.printed.length;
    expect((await dispatch(`ack ${id}`, ctx)).exitCode).toBe(0);
    await h.settle();
    expect((await dispatch(`diagnose ${id}`, ctx)).exitCode).toBe(0);
    await h.settle();
    expect((await dispatch(`resolve ${id}`, ctx)).exitCode).toBe(0);
    await h.settle();
    const printed = h.printed.slice(from);
    const about = (s: string) => printed.filter((p) => p.includes(s));
    expect(about('@cli:alice acknowledged this incident and owns it now.')).toHaveLength(1);
    expect(about('Diagnosis re-run requested by @cli:alice.')).toHaveLength(1);
    for (const line of about('acknowledged this incident')) expect(line.split('\n')).toHaveLength(1);
    expect(about(`(${id})`).length).toBeGreaterThanOrEqual(2);
    expect(about('Resolved: ')).not.toHaveLength(0);
  });
});
