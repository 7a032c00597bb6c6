// A webhook sender must not be able to ping a channel: alerts carrying Slack markup in their
// name, labels and annotations, checks whose output and errors carry it too, all through the
// real intake and chat runtime against the Slack fake. Every request body perfbot sends to Slack
// (and its answer to a slash command) may contain only the markup perfbot made itself: the
// approvers' mentions and its own links.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Measurement } from '../../src/diagnostics/types.js';
import { createKubernetesClient } from '../../src/integrations/kubernetes/index.js';
import type { CheckKind } from '../../src/playbooks/kinds.js';
import { type FakeKubernetes, sentinelConnectorObjects, startFakeKubernetes } from '../fakes/kubernetes.js';
import {
  ALL_BACKENDS,
  alertmanagerPayload,
  fakeChecks,
  type Harness,
  INCIDENT_CHANNEL,
  s3Throttling,
  startHarness,
  waitUntil,
} from './slack-harness.js';

const HOSTILE = [
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<@U0EVIL1>',
  '<!subteam^S0EVIL1>',
  '<http://evil.example|click>',
  '<#C0EVIL1>',
  '@here @channel',
].join(' ');

/** The S3 throttling scenario, with markup in every integration's own words and in its errors. */
function hostileChecks(kind: CheckKind, params: Record<string, unknown>): Measurement {
  if (kind.startsWith('azure.') || kind === 'kubernetes.pod-resources')
    throw new Error(`upstream answered 500: ${HOSTILE}`);
  const m = s3Throttling(kind, params);
  return {
    ...m,
    summary: `${m.summary ?? 'measured'} ${HOSTILE}`,
    evidence: {
      ...m.evidence,
      samples: [...(m.evidence?.samples ?? []), `ERROR ${HOSTILE}`],
      rows: [{ pod: HOSTILE, value: m.value ?? 0 }],
    },
  };
}

/** Every string in a request's arguments, JSON-encoded fields (blocks) opened up. */
function strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') {
    const t = v.trim();
    if ((t.startsWith('[') || t.startsWith('{')) && t.length > 1) {
      try {
        return strings(JSON.parse(t), out);
      } catch {
        // not JSON: a plain string
      }
    }
    out.push(v);
  } else if (Array.isArray(v)) for (const x of v) strings(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) strings(x, out);
  return out;
}

/** The only live markup perfbot may send: its approvers, the requester, and links it labels itself. */
const ALLOWED = [
  /^@U0(BOB|CAROL)$/,
  /^!subteam\^S0ONCALL$/,
  /^https?:\/\/[^\s|<>]+\|(Runbook|This incident continues in another thread)$/,
];

function liveMarkup(text: string): string[] {
  return [...text.matchAll(/<([^<>]*)>/g)]
    .map((m) => m[1] as string)
    .filter((inner) => !ALLOWED.some((re) => re.test(inner)));
}

let h: Harness;
let k8s: FakeKubernetes;

beforeAll(async () => {
  k8s = await startFakeKubernetes({ rolloutPolls: 1 });
  for (const o of sentinelConnectorObjects()) k8s.state.put(o);
  const kubernetes = createKubernetesClient(k8s.kubeConfig());
  h = await startHarness({
    checks: fakeChecks(hostileChecks),
    backends: { ...ALL_BACKENDS, kubernetes },
    env: { PERFBOT_APPROVERS: 'U0BOB,S0ONCALL' },
    fake: { usergroups: { S0ONCALL: ['U0CAROL'] } },
  });
}, 60_000);

afterAll(async () => {
  await h?.close();
  await k8s?.close();
});

describe('markup from outside never becomes live in Slack', () => {
  it('alert name, labels, annotations, check output and errors reach Slack escaped; only perfbot mentions are live', async () => {
    // Two notifications, the routed one's root first: roots posted at the same moment share one
    // storm digest, which carries no runbook link to check.
    const first = await h.alertmanager(
      alertmanagerPayload({
        groupKey: '{}:{alertname="hostile"}',
        status: 'firing',
        alerts: [
          // Routed to the sentinel playbook, so its diagnosis and proposals run too.
          {
            alertname: 'S3SentinelProcessingLatencyHigh',
            labels: {
              playbook: 'sentinel-connector',
              severity: 'critical',
              service: HOSTILE,
              instance: HOSTILE,
              namespace: `default ${HOSTILE}`,
            },
            annotations: {
              summary: HOSTILE,
              description: HOSTILE,
              runbook_url: `https://wiki.example/runbook|${HOSTILE}`,
            },
            fingerprint: 'markup-1',
          },
        ],
      }),
    );
    expect(first.status).toBe(202);
    await waitUntil(() => h.fake.callsTo('chat.postMessage').length > 0, 'the first root', 45_000);
    const res = await h.alertmanager(
      alertmanagerPayload({
        groupKey: '{}:{alertname="hostile-unrouted"}',
        status: 'firing',
        alerts: [
          // Routed nowhere: an incident of its own, titled by the hostile name.
          {
            alertname: `S3SentinelProcessingLatencyHigh ${HOSTILE}`,
            labels: { severity: 'critical' },
            fingerprint: 'markup-2',
          },
        ],
      }),
    );
    expect(res.status).toBe(202);
    await waitUntil(
      () =>
        h.fake.messages.size > 0 && [...h.fake.messages.values()].some((m) => m.text.startsWith('Proposed:')),
      'a proposal',
      45_000,
    );
    await h.settle();
    const slash = await h.slash('status', { user: 'U0BOB', channel: INCIDENT_CHANNEL });
    expect(slash.status).toBe(200);
    await h.settle();

    const bodies = [
      ...h.fake.calls.map((c) => ({ method: c.method, args: c.args })),
      { method: 'slash', args: slash.body },
    ];
    const found = bodies.flatMap((b) =>
      strings(b.args).flatMap((t) => liveMarkup(t).map((m) => `${b.method}: <${m}>`)),
    );
    expect(found).toEqual([]);
    for (const b of bodies)
      expect(strings(b.args).join('\n')).not.toMatch(/<!(channel|here|everyone)|<@U0EVIL|<!subteam\^S0EVIL/);

    // The hostile text did reach Slack, as text, in the root, the report, the error and the status list.
    const all = bodies.flatMap((b) => strings(b.args)).join('\n');
    expect(all).toContain('S3SentinelProcessingLatencyHigh &lt;!channel&gt; &lt;!here&gt;');
    expect(all).toContain('&lt;@U0EVIL1&gt; &lt;!subteam^S0EVIL1&gt; &lt;http://evil.example|click&gt;');
    expect(all).toContain('upstream answered 500: &lt;!channel&gt;');
    expect(all).toContain('ERROR &lt;!channel&gt;');
    expect(strings(slash.body).join('\n')).toContain('&lt;!channel&gt;');
    // The runbook link keeps perfbot's label; the sender's "|…" cannot relabel it.
    expect(all).toMatch(/<https:\/\/wiki\.example\/runbook%7C[^|>]*\|Runbook>/);
    // perfbot's own mentions stay live.
    expect(all).toContain('<@U0BOB>');
    expect(all).toContain('<!subteam^S0ONCALL>');
    // Every mrkdwn text object opts out of Slack's automatic parsing of a bare "@here".
    const objects = h.fake.callsTo('chat.postMessage').flatMap((c) => textObjects(c.args.blocks));
    expect(objects.length).toBeGreaterThan(0);
    expect(objects.filter((o) => o.type === 'mrkdwn' && o.verbatim !== true)).toEqual([]);
  }, 90_000);
});

function textObjects(blocks: unknown): { type: string; verbatim?: boolean }[] {
  const parsed = typeof blocks === 'string' ? (JSON.parse(blocks) as unknown) : blocks;
  const out: { type: string; verbatim?: boolean }[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ((o.type === 'mrkdwn' || o.type === 'plain_text') && typeof o.text === 'string')
        out.push(o as { type: string; verbatim?: boolean });
      for (const x of Object.values(o)) walk(x);
    }
  };
  walk(parsed);
  return out;
}
