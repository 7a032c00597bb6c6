// What people see of the senders' own payloads, on both incident channels (Slack through the
// Slack fake, and the terminal of `perfbot serve` without Slack): an Azure Sev1 alert as
// critical, an activity log alert marked "no resolution will be sent", and a truncated
// Alertmanager group whose listed alerts resolved still open, saying how many are not shown.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readUpstream } from '../support/upstream.js';
import {
  ALL_BACKENDS,
  fakeChecks,
  type Harness,
  INCIDENT_CHANNEL,
  messageText,
  s3Throttling,
  startHarness,
  waitUntil,
} from './slack-harness.js';

type Azure = { data: { essentials: Record<string, unknown> } };
const MANUAL =
  'no resolution will be sent: Azure Monitor does not resolve activity log alerts; resolve it by hand';
const HIDDEN = '0 of 2 alerts firing · 3 more not shown by Alertmanager (max_alerts)';

const sev1 = () => {
  const body = readUpstream<Azure>('azure-monitor/payload-samples/test-action-metric-static-threshold.json');
  body.data.essentials.severity = 'Sev1';
  return body;
};

async function post(h: Harness, route: string, body: unknown): Promise<string> {
  const res = await fetch(`${h.url}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(202);
  const { incidents } = (await res.json()) as { incidents: string[] };
  return incidents[0] as string;
}

/**
 * Posts every case; returns the incident ids by case. The activity log alert comes alone (its own
 * root in Slack); the other two together (in Slack, one digest root for both).
 */
async function postAll(h: Harness) {
  const manual = await post(
    h,
    '/alerts/azure-monitor',
    readUpstream('azure-monitor/payload-samples/test-action-activity-log.json'),
  );
  await waitUntil(async () => (await h.incidents.get(manual))?.thread, 'the activity log thread');
  await h.settle();
  const critical = await post(h, '/alerts/azure-monitor', sev1());
  const truncated = await post(
    h,
    '/alerts/alertmanager',
    readUpstream('alertmanager/debian/truncated-firing.json'),
  );
  await waitUntil(async () => (await h.incidents.get(truncated))?.thread, 'the truncated group thread');
  await post(h, '/alerts/alertmanager', readUpstream('alertmanager/debian/truncated-visible-resolved.json'));
  for (const id of [critical, manual, truncated])
    await waitUntil(async () => (await h.incidents.get(id))?.thread, `the thread of ${id}`);
  await h.settle();
  expect((await h.incidents.get(truncated))?.status).toBe('open');
  return { critical, manual, truncated };
}

describe('in Slack', () => {
  let h: Harness;
  let ids: Awaited<ReturnType<typeof postAll>>;
  const root = async (id: string) => {
    const thread = (await h.incidents.get(id))?.thread as { ts: string };
    return messageText(h.fake.messages.get(`${INCIDENT_CHANNEL}/${thread.ts}`));
  };
  beforeAll(async () => {
    h = await startHarness({ checks: fakeChecks(s3Throttling), backends: ALL_BACKENDS });
    ids = await postAll(h);
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('an Azure Sev1 alert is critical', async () => {
    expect(await root(ids.critical)).toContain('CRITICAL: test-metricAlertRule');
  });

  it('an activity log alert says no resolution will be sent', async () => {
    const text = await root(ids.manual);
    expect(text).toContain(MANUAL);
    expect(text).not.toContain('incidents at once'); // its own root, not a digest's line
  });

  it('a truncated group whose listed alerts resolved says how many are not shown', async () => {
    const text = await root(ids.truncated);
    expect(text).toContain(HIDDEN);
    expect(text).not.toContain('Resolved:');
  });
});

describe('in the terminal', () => {
  let h: Harness;
  let ids: Awaited<ReturnType<typeof postAll>>;
  /** The last line printed for the incident (its state now). */
  const line = (id: string) => h.printed.filter((p) => p.includes(id) && !p.includes('\n')).at(-1) ?? '';
  beforeAll(async () => {
    h = await startHarness({ terminal: true, checks: fakeChecks(s3Throttling), backends: ALL_BACKENDS });
    ids = await postAll(h);
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('an Azure Sev1 alert is critical', () => {
    expect(line(ids.critical)).toMatch(/^🔴 CRITICAL: test-metricAlertRule/);
  });

  it('an activity log alert says no resolution will be sent', () => {
    expect(line(ids.manual)).toContain(MANUAL);
  });

  it('a truncated group whose listed alerts resolved says how many are not shown', () => {
    expect(line(ids.truncated)).toContain(HIDDEN);
    expect(line(ids.truncated)).not.toMatch(/Resolved/);
  });
});
