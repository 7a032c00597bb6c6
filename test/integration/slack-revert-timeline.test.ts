// Safer fixes as a Slack user meets them, through signed Slack requests, HTTP alert posts, the
// Slack fake's recorded calls and the Kubernetes fake's request log: alert → ack → diagnosis →
// approval → fix → verification; the fix's Revert button proposes the way back, which restores
// the exact prior replicas once approved; a proposal blocked by the cooldown is drawn with its
// reason and no Approve; a revert after an outside change is refused; and on resolve the thread
// gets the timeline file, which matches the audit trail entry by entry and says it verified.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src/audit/types.js';
import { createKubernetesClient, type KubernetesPort } from '../../src/integrations/kubernetes/index.js';
import type { RemediationService } from '../../src/remediation/service.js';
import { deployment, type FakeKubernetes, startFakeKubernetes } from '../fakes/kubernetes.js';
import type { FakeMessage } from '../fakes/slack.js';
import { lagRecovered } from '../support/remediation-fixtures.js';
import {
  ALL_BACKENDS,
  actionButtons,
  alertmanagerPayload,
  fakeChecks,
  type Harness,
  INCIDENT_CHANNEL,
  messageText,
  replyIn,
  startHarness,
  toldTo,
  waitUntil,
} from './slack-harness.js';

const NS = 'market-data';
const SCALE = `/apis/apps/v1/namespaces/${NS}/deployments/enrichment/scale`;
const PLAYBOOK = `
id: pipeline
title: Market data pipeline
target: { namespace: ${NS} }
triggers:
  - { alertname: KafkaConsumerLagHigh, labels: { playbook: pipeline } }
checks:
  - id: lag
    kind: prometheus.query
    title: Consumer lag
    params: { query: 'sum(kafka_consumergroup_lag)' }
    unit: messages
    thresholds: { warn: 1000, critical: 10000 }
decision:
  - { id: lagging, when: { check: lag }, bottleneck: Consumers are behind, remediations: [scale] }
remediations:
  - id: scale
    title: Scale enrichment
    action: kubernetes.scale
    params: { workload: { kind: Deployment, name: enrichment }, by: 2, max: 8 }
`;

let h: Harness;
let k8s: FakeKubernetes;
let port: KubernetesPort;
let remediation: RemediationService;

beforeAll(async () => {
  k8s = await startFakeKubernetes({ rolloutPolls: 1 });
  k8s.state.put(deployment({ namespace: NS, name: 'enrichment', replicas: 2 }));
  port = createKubernetesClient(k8s.kubeConfig());
  const dir = mkdtempSync(join(tmpdir(), 'perfbot-revert-playbooks-'));
  writeFileSync(join(dir, 'pipeline.yml'), PLAYBOOK);
  h = await startHarness({
    playbooksDir: dir,
    checks: fakeChecks((kind) =>
      kind === 'prometheus.query' ? { value: 25_000, summary: 'lag 25,000' } : { value: 0 },
    ),
    backends: { ...ALL_BACKENDS, kubernetes: port },
    env: { PERFBOT_APPROVERS: 'U0BOB,U0CAROL', PERFBOT_VERIFY_AFTER: '1s' },
    withApp: (app) => {
      remediation = app.remediation;
      remediation.startWorker({ rerunChecks: lagRecovered });
    },
  });
}, 60_000);

afterAll(async () => {
  await h?.close();
  await remediation?.close();
  await k8s?.close();
});

const GROUP = '{}:{alertname="KafkaConsumerLagHigh"}';
const alert = (status: 'firing' | 'resolved') =>
  h.alertmanager(
    alertmanagerPayload({
      groupKey: GROUP,
      status,
      alerts: [
        {
          alertname: 'KafkaConsumerLagHigh',
          labels: { playbook: 'pipeline', severity: 'critical' },
          fingerprint: 'fp-revert-lag',
          startsAt: new Date(Date.now() - 60_000).toISOString(),
          ...(status === 'resolved' ? { endsAt: new Date().toISOString() } : {}),
        },
      ],
    }),
  );

const replicas = () => k8s.state.get('Deployment', NS, 'enrichment')?.spec?.replicas;
const scaleBodies = () => k8s.callsTo('PATCH', SCALE).map((c) => c.body);
const told = (user: string, includes: string) => toldTo(h.fake, user, includes);
/** A button in the incident channel, clicked by `user` on the message `messageTs`. */
const press = (actionId: string, value: string, user: string, messageTs: string) =>
  h.click({ actionId, value, user, channel: INCIDENT_CHANNEL, messageTs });

let incident: string;
let root: FakeMessage;
let fixId: string;
let done: FakeMessage;

describe('alert → ack → diagnosis → approval → fix → verification, in the thread', () => {
  it('fixes through Approve, and the Done reply offers Revert with the fix as its value', async () => {
    expect((await alert('firing')).status).toBe(202);
    root = await waitUntil(() => h.fake.roots(INCIDENT_CHANNEL)[0], 'the incident root');
    const open = await waitUntil(async () => (await h.incidents.listOpen())[0], 'the open incident');
    incident = open.id;

    const ack = await h.slash(`ack ${incident}`, { user: 'U0BOB', channel: INCIDENT_CHANNEL });
    expect(ack.status).toBe(200);
    await waitUntil(
      async () => (await h.audit.readTrail({ incident })).some((e) => e.event === 'incident.acknowledged'),
      'the acknowledgement in the trail',
    );

    const proposal = await replyIn(h.fake, root.ts, (m) => actionButtons(m).length > 0, 'the proposal');
    fixId = actionButtons(proposal)[0]?.value ?? '';
    expect(messageText(proposal)).toContain('Deployment/enrichment replicas 2 → 4');
    await press('remediation.approve', fixId, 'U0CAROL', proposal.ts);
    done = await replyIn(h.fake, root.ts, 'Done: Deployment/enrichment replicas 2 → 4', 'the Done reply');
    expect(actionButtons(done)).toEqual([
      expect.objectContaining({ action_id: 'remediation.revert', value: fixId }),
    ]);
    await replyIn(h.fake, root.ts, 'Verified:', 'the verification', 30_000);
    expect(replicas()).toBe(4);
    expect(scaleBodies()).toEqual([{ spec: { replicas: 4 } }]);
  }, 120_000);
});

describe('Revert', () => {
  it('is refused, ephemerally, to someone the undo rule does not allow; nothing is proposed', async () => {
    await press('remediation.revert', fixId, 'U0MALLORY', done.ts);
    const refusal = await told('U0MALLORY', 'undo');
    expect(refusal.text).toMatch(/may not/i);
    expect((await h.audit.readTrail({ incident })).filter((e) => e.details.revertOf === fixId)).toHaveLength(
      0,
    );
  });

  it('proposes the way back in the thread with Approve/Deny; approved, it restores the exact prior replicas', async () => {
    await press('remediation.revert', fixId, 'U0CAROL', done.ts);
    const ok = await told('U0CAROL', 'proposed as');
    expect(ok.text).toContain(`Revert of ${fixId} proposed as prop-`);
    const revertMsg = await replyIn(
      h.fake,
      root.ts,
      (m) => m.text.includes(`Revert: Scale enrichment`) && actionButtons(m).length > 0,
      'the revert proposal in the thread',
      20_000,
    );
    const b = actionButtons(revertMsg);
    expect(b.map((x) => x.action_id)).toEqual(['remediation.approve', 'remediation.deny']);
    const revertId = b[0]?.value ?? '';
    expect(revertId).not.toBe(fixId);
    expect(messageText(revertMsg)).toContain(`Deployment/enrichment replicas 4 → 2 (revert of ${fixId})`);
    expect(messageText(revertMsg)).toContain(`*Reverts*\n${fixId}`);

    // A second click finds the revert already proposed: told, not posted twice.
    await press('remediation.revert', fixId, 'U0BOB', done.ts);
    await told('U0BOB', `already proposed: ${revertId}`);

    // Same policy as the fix: the clicker asked for it, so cannot approve it alone.
    await press('remediation.approve', revertId, 'U0CAROL', revertMsg.ts);
    await told('U0CAROL', 'you cannot approve it yourself');
    await press('remediation.approve', revertId, 'U0BOB', revertMsg.ts);
    await replyIn(h.fake, root.ts, 'Reverted: Deployment/enrichment replicas 4 → 2', 'the revert result');
    await h.settle();
    expect(replicas()).toBe(2);
    expect(scaleBodies()).toEqual([{ spec: { replicas: 4 } }, { spec: { replicas: 2 } }]);
    // The fix's Done reply now says it was reverted, and offers nothing.
    const redrawn = h.fake.messages.get(`${INCIDENT_CHANNEL}/${done.ts}`);
    expect(actionButtons(redrawn)).toEqual([]);
    expect(messageText(redrawn)).toContain(`Reverted by ${revertId}`);
    expect(
      h.fake.thread(INCIDENT_CHANNEL, root.ts).filter((m) => m.text.includes('Revert: Scale enrichment')),
    ).toHaveLength(1);

    const clicks = (await h.audit.readTrail({ incident })).filter(
      (e) => e.event === 'command.invoked' && e.details.button === 'remediation.revert',
    );
    expect(clicks.map((e) => e.actor)).toEqual(['U0MALLORY', 'U0CAROL', 'U0BOB']);
    expect(clicks.every((e) => e.proposal === fixId)).toBe(true);
  }, 120_000);
});

describe('guardrails in the thread', () => {
  it('a proposal blocked by the cooldown is shown with its reason and the override, without Approve', async () => {
    const res = await h.slash('diagnose pipeline', { user: 'U0DAVE', channel: 'C0OPS' });
    expect(res.status).toBe(200);
    const manual = await waitUntil(() => h.fake.roots('C0OPS')[0], 'the diagnosis thread');
    const blocked = await waitUntil(
      () => h.fake.thread('C0OPS', manual.ts).find((m) => m.text.startsWith('Blocked by a guardrail')),
      'the blocked proposal',
      45_000,
    );
    await h.settle();
    expect(actionButtons(h.fake.messages.get(`C0OPS/${blocked.ts}`))).toEqual([]);
    const body = messageText(h.fake.messages.get(`C0OPS/${blocked.ts}`));
    expect(body).toContain('Blocked by a guardrail: Scale enrichment — not offered for approval');
    expect(body).toMatch(/Cooldown: .*Deployment\/enrichment/);
    expect(body).toContain(`/perf diagnose pipeline ${NS} --override-cooldown`);
    expect(body).not.toContain('blocked —'); // the reason is drawn once, not again as a warning
    expect(scaleBodies()).toHaveLength(2);
  }, 90_000);

  it('with --override-cooldown it needs one more approval; a revert after an outside change is refused', async () => {
    await h.slash('diagnose pipeline --override-cooldown', { user: 'U0DAVE', channel: 'C0OPS' });
    const manual = await waitUntil(() => h.fake.roots('C0OPS')[1], 'the second diagnosis thread');
    const proposal = await waitUntil(
      () => h.fake.thread('C0OPS', manual.ts).find((m) => actionButtons(m).length > 0),
      'the overriding proposal',
      45_000,
    );
    expect(messageText(proposal)).toContain('0 of 2 needed');
    const id = actionButtons(proposal)[0]?.value ?? '';
    for (const user of ['U0BOB', 'U0CAROL'])
      await h.click({
        actionId: 'remediation.approve',
        value: id,
        user,
        channel: 'C0OPS',
        messageTs: proposal.ts,
      });
    const fixed = await waitUntil(
      () => h.fake.thread('C0OPS', manual.ts).find((m) => m.text.startsWith('Done: Deployment/enrichment')),
      'the second fix',
      45_000,
    );
    expect(replicas()).toBe(4);
    // Someone scales it by hand in between.
    await port.patchScale(NS, { kind: 'Deployment', name: 'enrichment' }, 6);
    const patches = scaleBodies().length;
    await h.click({
      actionId: 'remediation.revert',
      value: id,
      user: 'U0BOB',
      channel: 'C0OPS',
      messageTs: fixed.ts,
    });
    const refusal = await told('U0BOB', `Cannot revert ${id}`);
    expect(refusal.text).toContain('has 6 replicas now, not the 4');
    await h.settle();
    expect(scaleBodies()).toHaveLength(patches);
    expect(replicas()).toBe(6);
    const trail = await h.audit.readTrail({ proposal: id });
    expect(trail.find((e) => e.event === 'revert.refused')?.details.reason).toContain('has 6 replicas now');
  }, 120_000);
});

/** The draft's "Audit entries" table: time, event, actor, proposal, entry ID, hash prefix. */
function auditRows(md: string): string[][] {
  const start = md.indexOf('## Audit entries');
  return md
    .slice(start)
    .split('\n')
    .filter((l) => /^\| \d{4}-/.test(l))
    .map((l) =>
      l
        .slice(2, -2)
        .split(' | ')
        .map((c) => c.trim()),
    );
}

const clock = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');

describe('resolution', () => {
  it('attaches the timeline to the thread: the audit trail entry by entry, chain verified', async () => {
    expect((await alert('resolved')).status).toBe(202);
    const file = await waitUntil(
      () => [...h.fake.uploads.values()].find((u) => u.filename === `post-incident-${incident}.md`),
      'the timeline file',
      45_000,
    );
    await h.settle();
    expect(file).toMatchObject({ channel: INCIDENT_CHANNEL, threadTs: root.ts, png: false });
    expect(file.title).toBe('Post-incident review (draft): KafkaConsumerLagHigh');
    expect(file.bytes).toBe(file.length);
    const md = file.data.toString('utf8');

    const trail: AuditEntry[] = await h.audit.readTrail({ incident });
    expect(auditRows(md)).toEqual(
      trail.map((e) => [clock(e.time), e.event, e.actor, e.proposal ?? '', e.id, e.hash.slice(0, 16)]),
    );
    expect(md).toMatch(
      new RegExp(
        `^> ✅ Audit chain verified at \\S+: \\d+ entries intact, including the ${trail.length} of this incident\\.$`,
        'm',
      ),
    );
    // The whole story, in the order it happened.
    const events = trail.map((e) => e.event);
    // (The ack races the diagnosis, so it is only placed after the opening.)
    expect(events.indexOf('incident.acknowledged')).toBeGreaterThan(events.indexOf('incident.opened'));
    const order = [
      'incident.opened',
      'diagnosis.done',
      'proposal.created',
      'proposal.approved',
      'job.succeeded',
      'verification.passed',
      'command.invoked',
      'proposal.created',
      'job.succeeded',
      'incident.resolved',
    ];
    let at = -1;
    for (const ev of order) {
      at = events.indexOf(ev, at + 1);
      expect(at, `${ev} after the previous step`).toBeGreaterThanOrEqual(0);
    }
    expect(events.at(-1)).toBe('incident.resolved');
    // The diagnosis with its bottleneck and key value; ack, change and revert named.
    expect(md).toContain('| Acknowledged | by U0BOB at');
    expect(md).toContain('| Bottleneck | Consumers are behind |');
    expect(md).toContain('Consumer lag 25,000 messages');
    expect(md).toContain(`Deployment/enrichment replicas 2 → 4 (${fixId}, reverted by prop-`);
    expect(md).toContain(`Revert pressed by U0CAROL on ${fixId}`);
    // Exactly one file for the resolution.
    expect([...h.fake.uploads.values()].filter((u) => u.filename.endsWith('.md'))).toHaveLength(1);
  }, 90_000);
});
