// The whole path as a user sees it, in the Slack fake's recorded calls: an Alertmanager
// notification (a real Alertmanager when installed) → root message → progress → report → chart
// → proposal with buttons → Approve scales the Deployment in the Kubernetes fake exactly once →
// result in the thread → resolution edits the root. And `/perf diagnose sentinel`, signed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Measurement } from '../../src/diagnostics/types.js';
import { createKubernetesClient } from '../../src/integrations/kubernetes/index.js';
import type { CheckKind } from '../../src/playbooks/kinds.js';
import type { RemediationService } from '../../src/remediation/service.js';
import {
  deployment,
  type FakeKubernetes,
  sentinelConnectorObjects,
  startFakeKubernetes,
} from '../fakes/kubernetes.js';
import type { FakeMessage } from '../fakes/slack.js';
import { ALERTMANAGER_BINARY, postAlerts, startAlertmanager } from '../support/alertmanager.js';
import { hasBinary, type TestServer } from '../support/servers.js';
import {
  ALL_BACKENDS,
  actionButtons,
  alertmanagerPayload,
  fakeChecks,
  type Harness,
  INCIDENT_CHANNEL,
  messageText,
  replyIn,
  s3Throttling,
  startHarness,
  waitUntil,
} from './slack-harness.js';

const T0 = Date.UTC(2026, 0, 1, 11);
const rising = (name: string, from: number, to: number) => [
  {
    name,
    points: Array.from({ length: 30 }, (_, i) => ({ t: T0 + i * 120_000, v: from + ((to - from) * i) / 29 })),
  },
];

/** The pipeline falling behind market-data: P95 latency up, consumer lag up, all else fine. */
function consumerLag(kind: CheckKind, params: Record<string, unknown>): Measurement {
  const text = JSON.stringify(params);
  if (kind === 'prometheus.query' && text.includes('request_duration_seconds') && text.includes('0.95'))
    return {
      value: 0.3,
      summary: 'normalization-service P95 300 ms',
      evidence: { series: rising('p95', 0.05, 0.3) },
    };
  if (kind === 'kafka.consumer-lag')
    return {
      value: 50_000,
      summary: 'market-data lag 50,000',
      evidence: {
        series: rising('lag', 1000, 50_000),
        rows: [
          { partition: 0, lag: 30_000 },
          { partition: 1, lag: 20_000 },
        ],
      },
    };
  return { value: 1, status: 'ok' };
}

let h: Harness;
let k8s: FakeKubernetes;
let remediation: RemediationService;
let am: TestServer | undefined;
let skewMs = 0;

beforeAll(async () => {
  k8s = await startFakeKubernetes({ rolloutPolls: 1 });
  k8s.state.put(deployment({ namespace: 'data-processing', name: 'normalization-service', replicas: 2 }));
  for (const o of sentinelConnectorObjects()) k8s.state.put(o);
  const kubernetes = createKubernetesClient(k8s.kubeConfig());
  const measure = (kind: CheckKind, params: Record<string, unknown>) =>
    JSON.stringify(params).includes('s3-sentinel') || JSON.stringify(params).includes('SlowDown')
      ? s3Throttling(kind, params)
      : consumerLag(kind, params);
  h = await startHarness({
    checks: fakeChecks(measure),
    backends: { ...ALL_BACKENDS, kubernetes },
    env: { PERFBOT_APPROVERS: 'U0BOB,U0CAROL', PERFBOT_VERIFY_AFTER: '1s' },
    fake: { usergroups: { S0ONCALL: ['U0DAVE'] } },
    now: () => new Date(Date.now() + skewMs),
    withApp: (app) => {
      remediation = app.remediation;
      remediation.startWorker({ rerunChecks: async () => [] });
    },
  });
  if (hasBinary(ALERTMANAGER_BINARY)) {
    am = await startAlertmanager({
      webhookUrl: `${h.url}/alerts/alertmanager`,
      groupWait: '0s',
      groupInterval: '1s',
    });
  } else {
    console.warn(`${ALERTMANAGER_BINARY} not installed: sending Alertmanager-format webhooks directly`);
  }
});

afterAll(async () => {
  await am?.stop();
  await h?.close();
  await remediation?.close();
  await k8s?.close();
});

const LAG_LABELS = {
  alertname: 'KafkaConsumerLagHigh',
  playbook: 'data-pipeline',
  severity: 'warning',
  namespace: 'data-processing',
  service: 'normalization-service',
};
const LAG_ANNOTATIONS = {
  summary: 'Consumer lag of normalization-group above 10,000 messages',
  runbook_url: 'https://runbooks.example/data-pipeline#kafka',
};

async function fireLag(resolved: boolean): Promise<void> {
  const startsAt = new Date(Date.now() - 60_000).toISOString();
  if (am) {
    await postAlerts(am.url, [
      {
        labels: LAG_LABELS,
        annotations: LAG_ANNOTATIONS,
        startsAt,
        endsAt: resolved
          ? new Date(Date.now() - 1000).toISOString()
          : new Date(Date.now() + 3_600_000).toISOString(),
      },
    ]);
    return;
  }
  const { alertname, ...labels } = LAG_LABELS;
  const res = await h.alertmanager(
    alertmanagerPayload({
      groupKey: '{}:{alertname="KafkaConsumerLagHigh"}',
      status: resolved ? 'resolved' : 'firing',
      alerts: [
        {
          alertname,
          labels,
          annotations: LAG_ANNOTATIONS,
          fingerprint: 'e2e-lag-1',
          startsAt,
          ...(resolved ? { endsAt: new Date().toISOString() } : {}),
        },
      ],
    }),
  );
  expect(res.status).toBe(202);
}

describe('alert → Slack thread → approval → result → resolution', () => {
  let root: FakeMessage;
  let proposalMsg: FakeMessage;
  let proposalId: string;

  it('opens a root message, then progress, report, chart and a proposal with buttons in its thread', async () => {
    await fireLag(false);
    root = await waitUntil(
      () => h.fake.roots(INCIDENT_CHANNEL).find((m) => m.text.includes('KafkaConsumerLagHigh')),
      'the root message',
    );
    proposalMsg = await replyIn(h.fake, root.ts, (m) => actionButtons(m).length > 0, 'the proposal');
    await h.settle();

    const rootText = messageText(h.fake.messages.get(`${INCIDENT_CHANNEL}/${root.ts}`));
    expect(rootText).toContain('WARNING: KafkaConsumerLagHigh');
    for (const s of [
      '*Severity*\nwarning',
      '*Service*\nnormalization-service',
      '*Namespace*\ndata-processing',
      'Consumer lag of normalization-group above 10,000 messages',
      '<https://runbooks.example/data-pipeline#kafka|Runbook>',
    ]) {
      expect(rootText).toContain(s);
    }
    const thread = h.fake.thread(INCIDENT_CHANNEL, root.ts);
    const [progress, report] = thread;
    expect(messageText(progress)).toContain(
      'Checks finished for Data processing pipeline performance in data-processing',
    );
    expect(progress?.updates).toBeGreaterThanOrEqual(1);
    // Verdict first: each bottleneck as its path down the decision tree.
    expect(messageText(report).split('\n')[1]).toBe(
      ':large_yellow_circle: 2 bottlenecks: normalization-service cannot keep up with market-data; normalization-group is lagging on market-data',
    );
    expect(messageText(report)).toContain(
      'High latency (P95 over 100ms or P99 over 500ms) → normalization-service cannot keep up with market-data',
    );
    expect(messageText(report)).toContain(
      'Consumer lag of normalization-group on market-data: 50,000 messages',
    );

    const charts = [...h.fake.uploads.values()].filter((u) => u.threadTs === root.ts);
    expect(charts.length).toBeGreaterThanOrEqual(2);
    expect(charts.every((c) => c.png && c.channel === INCIDENT_CHANNEL && c.bytes > 1000)).toBe(true);
    expect(charts.map((c) => c.title)).toContain('Consumer lag of normalization-group on market-data (warn)');

    const b = actionButtons(proposalMsg);
    expect(b.map((x) => x.action_id)).toEqual(['remediation.approve', 'remediation.deny']);
    proposalId = b[0]?.value ?? '';
    expect(proposalId).toMatch(/^prop-[0-9a-f]{12}$/);
    expect(b[1]?.value).toBe(proposalId);
    const pText = messageText(proposalMsg);
    expect(pText).toContain('Deployment/normalization-service replicas 2 → 4');
    expect(pText).toContain('<@U0BOB>, <@U0CAROL>');
    expect(pText).toContain('0 of 1 needed');
    expect(pText).toMatch(/\*Expires\*\n\d{4}-\d\d-\d\dT.* \(in (29|30)m\)/);

    // Order in the thread: progress, report, then the proposal; the calls made it so.
    const posts = h.fake
      .callsTo('chat.postMessage')
      .filter((c) => c.args.thread_ts === root.ts)
      .map((c) => String(c.args.text));
    // The progress message is drawn when its turn comes (the channel's budget is asked in
    // Redis first), by which time these instant fake checks may all be done.
    expect(posts[0]).toMatch(/^(Diagnosing|Diagnosis done)/);
    expect(posts[1]).toMatch(/^Data processing pipeline performance: bottleneck /);
    expect(posts.findIndex((t) => t.startsWith('Proposed:'))).toBeGreaterThan(1);
  });

  it('refuses a click by someone who is not an approver, ephemerally, changing nothing', async () => {
    const res = await h.click({
      actionId: 'remediation.approve',
      value: proposalId,
      user: 'U0MALLORY',
      channel: INCIDENT_CHANNEL,
      messageTs: proposalMsg.ts,
    });
    expect(res.status).toBe(200);
    const told = await waitUntil(() => h.fake.ephemerals.find((e) => e.user === 'U0MALLORY'), 'the refusal');
    expect(told.text).toContain('You are not allowed to approve');
    expect((await remediation.getProposal(proposalId))?.status).toBe('pending');
    expect(k8s.state.get('Deployment', 'data-processing', 'normalization-service')?.spec?.replicas).toBe(2);
  });

  it('Approve by an authorized user scales the Deployment once; the thread shows the result and who approved', async () => {
    const res = await h.click({
      actionId: 'remediation.approve',
      value: proposalId,
      user: 'U0BOB',
      channel: INCIDENT_CHANNEL,
      messageTs: proposalMsg.ts,
    });
    expect(res.status).toBe(200);
    const done = await replyIn(
      h.fake,
      root.ts,
      'Done: Deployment/normalization-service replicas 2 → 4',
      'the result in the thread',
    );
    expect(messageText(done)).toContain('(approved by <@U0BOB>)');
    // Double click and a second approver after the decision: refused, nothing runs again.
    await h.click({
      actionId: 'remediation.approve',
      value: proposalId,
      user: 'U0BOB',
      channel: INCIDENT_CHANNEL,
      messageTs: proposalMsg.ts,
    });
    await h.click({
      actionId: 'remediation.approve',
      value: proposalId,
      user: 'U0CAROL',
      channel: INCIDENT_CHANNEL,
      messageTs: proposalMsg.ts,
    });
    await waitUntil(
      () => h.fake.ephemerals.filter((e) => e.text.includes('already')).length >= 2,
      'the refusals',
    );
    await h.settle();
    expect(k8s.state.get('Deployment', 'data-processing', 'normalization-service')?.spec?.replicas).toBe(4);
    const scalePatches = k8s.calls.filter(
      (c) => c.method === 'PATCH' && c.path.includes('normalization-service'),
    );
    expect(scalePatches).toHaveLength(1);
    const updated = messageText(h.fake.messages.get(`${INCIDENT_CHANNEL}/${proposalMsg.ts}`));
    expect(updated).toMatch(/(Done|Approved).*approved by <@U0BOB>|Approved by <@U0BOB>/);
    expect(actionButtons(h.fake.messages.get(`${INCIDENT_CHANNEL}/${proposalMsg.ts}`))).toEqual([]);
    const trail = (await h.audit.readTrail({ proposal: proposalId })).map((e) => e.event);
    expect(trail).toEqual(
      expect.arrayContaining([
        'proposal.created',
        'proposal.refused',
        'proposal.approved',
        'job.started',
        'job.succeeded',
      ]),
    );
  });

  it('resolution edits the root message (resolved, duration) and replies in the thread', async () => {
    await fireLag(true);
    const reply = await replyIn(h.fake, root.ts, 'Resolved: KafkaConsumerLagHigh', 'the resolution reply');
    expect(reply.text).toMatch(/all 1 alert resolved after \d+[smh]/);
    await h.settle();
    const edited = h.fake.messages.get(`${INCIDENT_CHANNEL}/${root.ts}`);
    expect(edited?.text).toMatch(/^Resolved: KafkaConsumerLagHigh — resolved after \d+[smh]/);
    expect(
      h.fake.roots(INCIDENT_CHANNEL).filter((m) => m.text.includes('KafkaConsumerLagHigh')),
    ).toHaveLength(1);
  });
});

describe('/perf diagnose sentinel (signed slash command)', () => {
  let root: FakeMessage;
  let proposal: FakeMessage;

  it('acks, then opens a thread with progress, report and proposals in the channel it was typed in', async () => {
    const res = await h.slash('diagnose sentinel', { user: 'U0BOB', channel: 'C0OPS' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({
      text: 'Diagnosing S3 to Sentinel connector performance in default',
    });
    root = await waitUntil(() => h.fake.roots('C0OPS')[0], 'the thread root');
    expect(messageText(root)).toContain('<@U0BOB>');
    proposal = await waitUntil(
      () => h.fake.thread('C0OPS', root.ts).find((m) => actionButtons(m).length > 0),
      'a proposal',
      45_000,
    );
    await h.settle();
    const thread = h.fake.thread('C0OPS', root.ts).map(messageText);
    expect(thread[0]).toContain('Checks finished');
    expect(thread[1]).toContain(
      'Bottleneck: Slow processing (batch time over 5s; alert over 30s) → S3 download is slow → S3 throttling (SlowDown / 5xx / rate limiter waits)',
    );
    const proposals = h.fake
      .thread('C0OPS', root.ts)
      .filter((m) => actionButtons(m).length > 0)
      .map(messageText);
    expect(
      proposals.some((t) => t.includes('ConfigMap connector-config (config.yaml): aws.rate_limit 10 → 5')),
    ).toBe(true);
    expect(proposals.some((t) => t.includes('aws.batch_size 1000 → 500'))).toBe(true);
    expect(proposals.every((t) => t.includes('*Requested by*\n<@U0BOB>'))).toBe(true);
    const uploads = [...h.fake.uploads.values()].filter((u) => u.threadTs === root.ts);
    expect(uploads.map((u) => u.title)).toContain('S3 download latency, P95 (critical)');
  });

  it('refuses self-approval by the requester and leaves the ConfigMap alone', async () => {
    const id = actionButtons(proposal)[0]?.value ?? '';
    await h.click({
      actionId: 'remediation.approve',
      value: id,
      user: 'U0BOB',
      channel: 'C0OPS',
      messageTs: proposal.ts,
    });
    const told = await waitUntil(
      () =>
        h.fake.ephemerals.find(
          (e) => e.user === 'U0BOB' && e.text.includes('you cannot approve it yourself'),
        ),
      'the self-approval refusal',
    );
    expect(told.channel).toBe('C0OPS');
    expect((await remediation.getProposal(id))?.status).toBe('pending');
    expect(k8s.state.get('ConfigMap', 'default', 'connector-config')?.data?.['config.yaml']).toContain(
      'rate_limit: 10.0',
    );
  });

  it('refuses an expired proposal and takes its buttons away', async () => {
    const id = actionButtons(proposal)[0]?.value ?? '';
    skewMs = 31 * 60_000;
    try {
      await h.click({
        actionId: 'remediation.approve',
        value: id,
        user: 'U0CAROL',
        channel: 'C0OPS',
        messageTs: proposal.ts,
      });
      const told = await waitUntil(
        () => h.fake.ephemerals.find((e) => e.user === 'U0CAROL' && e.text.includes('expired')),
        'the expiry refusal',
      );
      expect(told.text).toContain('This proposal expired');
      await h.settle();
      expect((await remediation.getProposal(id))?.status).toBe('expired');
      const msg = h.fake.messages.get(`C0OPS/${proposal.ts}`);
      expect(actionButtons(msg)).toEqual([]);
      expect(messageText(msg)).toContain('Expired');
    } finally {
      skewMs = 0;
    }
    expect(k8s.state.get('ConfigMap', 'default', 'connector-config')?.data?.['config.yaml']).toContain(
      'rate_limit: 10.0',
    );
  });
});
