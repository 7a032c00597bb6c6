// An alert storm against a Slack fake that enforces ~1 message/s per channel (bursts of 4) with
// 429 + Retry-After: 500 alerts in 5 seconds to one channel end in a bounded number of Slack
// calls, none refused, every alert counted and listed in its incident. And a 429 from Slack is
// waited out (Retry-After) and the message still arrives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeMessage } from '../fakes/slack.js';
import {
  ALL_BACKENDS,
  alertmanagerPayload,
  fakeChecks,
  type Harness,
  INCIDENT_CHANNEL,
  startHarness,
  waitUntil,
} from './slack-harness.js';

const GROUPS = ['StormDiskFull', 'StormNodeDown', 'StormPodCrash', 'StormLatency', 'HighLatency'];
const PER_POST = 10;
const POSTS = 50;

let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    checks: fakeChecks(() => ({ value: 1, status: 'ok' })),
    backends: ALL_BACKENDS,
    fake: { channelRate: { perSecond: 1, burst: 4 } },
  });
});
afterAll(async () => {
  await h?.close();
});

function textOf(m: FakeMessage): string {
  return [m.text, ...m.blocks.map((b) => JSON.stringify(b))].join('\n');
}

describe('alert storm', () => {
  it('500 alerts in 5 s: no 429, a bounded number of Slack calls, all 500 counted and listed', {
    timeout: 120_000,
  }, async () => {
    // Like Alertmanager: each notification carries its whole group, ten alerts more each time.
    const sent = new Map<string, number>(GROUPS.map((g) => [g, 0]));
    const start = Date.now();
    for (let i = 0; i < POSTS; i++) {
      const group = GROUPS[i % GROUPS.length] as string;
      const n = (sent.get(group) ?? 0) + PER_POST;
      sent.set(group, n);
      const alerts = Array.from({ length: n }, (_, k) => ({
        alertname: group,
        fingerprint: `${group}-${k}`,
        labels: {
          instance: `node-${k}.example:9100`,
          severity: k % 7 === 0 ? 'critical' : 'warning',
          ...(group === 'HighLatency' ? { playbook: 'data-pipeline', namespace: 'data-processing' } : {}),
        },
        annotations: { summary: `${group} on node-${k}` },
      }));
      const res = await h.alertmanager(
        alertmanagerPayload({ groupKey: `{}:{alertname="${group}"}`, status: 'firing', alerts }),
      );
      expect(res.status).toBe(202);
      // Spread over five seconds, as a storm arrives.
      const due = start + ((i + 1) * 5000) / POSTS;
      await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
    }
    await h.settle();

    const incidents = await h.incidents.listOpen();
    expect(incidents).toHaveLength(GROUPS.length);
    expect(incidents.reduce((n, i) => n + i.alertCount, 0)).toBe(POSTS * PER_POST);

    // Slack: nothing refused, and far fewer calls than alerts or notifications.
    expect(h.fake.rateLimited).toHaveLength(0);
    const writes = h.fake.calls.filter((c) => c.method.startsWith('chat.') || c.method.startsWith('files.'));
    const bound = 40;
    const roots = h.fake.roots(INCIDENT_CHANNEL);
    console.log(
      `storm: ${POSTS * PER_POST} alerts in ${POSTS} notifications → ${writes.length} Slack writes (bound ${bound}); ` +
        `roots: ${roots.map((r) => r.text.slice(0, 60)).join(' | ')}`,
    );
    expect(writes.length).toBeLessThanOrEqual(bound);

    // Every incident's message (its own root, or a digest it shares) shows its full count.
    const messages = [...h.fake.messages.values()].filter(
      (m) => m.channel === INCIDENT_CHANNEL && m.threadTs === undefined,
    );
    let counted = 0;
    for (const inc of incidents) {
      const m = messages.find((x) => textOf(x).includes(inc.id));
      expect(m, `a root for ${inc.id}`).toBeDefined();
      const text = textOf(m as FakeMessage);
      const digest = /^\d+ incidents/.test(m?.text ?? '');
      const count = digest
        ? new RegExp(`${inc.id} · [^"\\\\]*? (\\d+) of (\\d+) alerts`).exec(text)
        : /(\d+) of (\d+) alerts firing/.exec(m?.text ?? '');
      expect(Number(count?.[2]), `count shown for ${inc.title}`).toBe(inc.alertCount);
      counted += Number(count?.[2]);
      if (!digest) {
        // Listed: the alerts shown plus "… and N more" are all of them.
        const list = m?.blocks
          .map((b) => (b.text as { text?: string } | undefined)?.text ?? '')
          .find((t) => t.startsWith('*Alerts'));
        const shown = (list ?? '').split('\n').filter((l) => l.startsWith(':')).length;
        const more = Number(/… and (\d+) more$/.exec(list ?? '')?.[1] ?? 0);
        expect(shown + more).toBe(inc.alertCount);
      }
    }
    expect(counted).toBe(POSTS * PER_POST);
  });

  it('waits out a 429 with Retry-After and still delivers the message', { timeout: 60_000 }, async () => {
    h.fake.rateLimitNext(2, 1);
    const res = await h.slash('diagnose pipeline', { user: 'U0ERIN', channel: 'C0RETRY' });
    expect(res.status).toBe(200);
    const root = await waitUntil(() => h.fake.roots('C0RETRY')[0], 'the root after the 429s', 30_000);
    expect(root.text).toContain('Data processing pipeline performance');
    const refused = h.fake.rateLimited;
    expect(refused.length).toBe(2);
    // The refused call was made again after Retry-After, and succeeded.
    const posts = h.fake.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === 'C0RETRY');
    expect(posts.length).toBeGreaterThanOrEqual(3);
    expect((posts.at(-1)?.at ?? 0) - (refused[0]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    await h.settle();
  });
});
