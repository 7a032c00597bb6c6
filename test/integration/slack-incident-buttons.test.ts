// The incident lifecycle as on-call people click it, through a real Alertmanager (Debian's
// prometheus-alertmanager, grouping by [alertname, namespace]) and signed Slack requests to
// perfbot's own server: the connector's three alert names become one thread with one diagnosis
// and one proposal per distinct fix; then Acknowledge, Silence 1h (the silence is in
// Alertmanager, created by the clicker), Expire silence, Re-run diagnosis (and `/perf diagnose
// <incident>`), a refused click, and Resolve (proposals retired, no buttons left) — each shown
// on the root message and told in the thread.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubernetesClient } from '../../src/integrations/kubernetes/index.js';
import type { RemediationService } from '../../src/remediation/service.js';
import { type FakeKubernetes, sentinelConnectorObjects, startFakeKubernetes } from '../fakes/kubernetes.js';
import { blockActionBody, type FakeMessage, sendSigned } from '../fakes/slack.js';
import { ALERTMANAGER_BINARY, postAlerts, startAlertmanager } from '../support/alertmanager.js';
import { skipWithout, type TestServer } from '../support/servers.js';
import {
  ALL_BACKENDS,
  fakeChecks,
  type Harness,
  INCIDENT_CHANNEL,
  messageText,
  SIGNING_SECRET,
  s3Throttling,
  startHarness,
  toldTo,
  waitUntil,
} from './slack-harness.js';

const CONNECTOR = [
  'S3SentinelProcessingLatencyHigh',
  'S3SentinelS3DownloadLatencyHigh',
  'S3SentinelIngestionLatencyHigh',
];
const ONCALL = 'U0ONCALL';
const MALLORY = 'U0MALLORY';

interface Element {
  type: string;
  action_id: string;
  value?: string;
  options?: { value: string }[];
}
const rows = (m: FakeMessage | undefined) =>
  (m?.blocks ?? []).filter((b) => b.type === 'actions') as { block_id?: string; elements: Element[] }[];
const actionIds = (m: FakeMessage | undefined) => rows(m).flatMap((r) => r.elements.map((e) => e.action_id));

const skip = skipWithout(ALERTMANAGER_BINARY);

describe.skipIf(skip)('incident buttons through a real Alertmanager and signed Slack clicks', () => {
  let h: Harness;
  let k8s: FakeKubernetes;
  let am: TestServer;
  let remediation: RemediationService;
  let incidentId: string;
  let title: string;
  let root: FakeMessage;

  beforeAll(async () => {
    k8s = await startFakeKubernetes({ rolloutPolls: 1 });
    for (const o of sentinelConnectorObjects()) k8s.state.put(o);
    h = await startHarness({
      checks: fakeChecks(s3Throttling),
      backends: { ...ALL_BACKENDS, kubernetes: createKubernetesClient(k8s.kubeConfig()) },
      env: { PERFBOT_APPROVERS: ONCALL },
      withApp: (app) => {
        remediation = app.remediation;
      },
    });
    am = await startAlertmanager({
      webhookUrl: `${h.url}/alerts/alertmanager`,
      groupBy: ['alertname', 'namespace'],
      groupWait: '1s',
      groupInterval: '1s',
      repeatInterval: '1h',
    });
  }, 60_000);

  afterAll(async () => {
    await am?.stop();
    await h?.close();
    await k8s?.close();
  });

  const rootNow = () => h.fake.messages.get(`${INCIDENT_CHANNEL}/${root.ts}`);
  const threadText = () => h.fake.thread(INCIDENT_CHANNEL, root.ts).map(messageText);
  const reports = () => threadText().filter((t) => t.includes('bottleneck'));
  const proposals = () =>
    h.fake.thread(INCIDENT_CHANNEL, root.ts).filter((m) => actionIds(m).includes('remediation.approve'));
  const diagnosesDone = async () =>
    (await h.audit.readTrail()).filter((e) => e.event === 'diagnosis.done' && e.incident === incidentId);
  const told = (user: string, what: string) => toldTo(h.fake, user, what);
  const click = (actionId: string, user: string) =>
    h.click({ actionId, value: incidentId, user, channel: INCIDENT_CHANNEL, messageTs: root.ts });

  it('three alert names of the connector: one thread, one diagnosis, one proposal per distinct fix', {
    timeout: 120_000,
  }, async () => {
    const later = new Date(Date.now() + 3_600_000).toISOString();
    await postAlerts(
      am.url,
      CONNECTOR.map((alertname, i) => ({
        labels: {
          alertname,
          severity: i === 0 ? 'critical' : 'warning',
          playbook: 'sentinel-connector',
          namespace: 'default',
          job: 's3-sentinel-connector',
        },
        annotations: { summary: `${alertname} on the connector` },
        endsAt: later,
      })),
    );
    const incident = await waitUntil(
      async () => {
        const open = await h.incidents.listOpen();
        const one = open.find((i) => i.playbookId === 'sentinel-connector');
        return one && one.alertCount === 3 && one.thread ? one : undefined;
      },
      'the three groups in one incident',
      60_000,
    );
    incidentId = incident.id;
    title = incident.title;
    root = await waitUntil(
      () => h.fake.messages.get(`${INCIDENT_CHANNEL}/${incident.thread?.ts}`),
      'the root message',
    );
    await waitUntil(async () => (await diagnosesDone()).length === 1, 'the diagnosis', 60_000);
    await waitUntil(() => proposals().length >= 2, 'the proposals', 60_000);
    await h.settle();

    const roots = h.fake.roots(INCIDENT_CHANNEL).filter((m) => messageText(m).includes('S3Sentinel'));
    expect(roots.map((m) => m.ts)).toEqual([root.ts]);
    expect((await h.incidents.listOpen()).filter((i) => i.playbookId === 'sentinel-connector')).toHaveLength(
      1,
    );
    expect(await diagnosesDone()).toHaveLength(1);
    expect(reports()).toHaveLength(1);
    const titles = proposals().map((m) => messageText(m).split('\n')[1]);
    expect(titles).toHaveLength(2);
    expect(new Set(titles).size).toBe(2);

    // The root lists the joined groups and why they joined, and carries the incident buttons.
    const text = messageText(rootNow());
    expect(text).toContain('Alert groups (3)');
    expect(text).toContain('opened the incident');
    expect(text.match(/joined at \S+ \(same namespace="default"\)/g)).toHaveLength(2);
    const [row] = rows(rootNow());
    expect(row?.block_id).toBe(`incident:${incidentId}`);
    expect(row?.elements.map((e) => [e.type, e.action_id, e.value])).toEqual([
      ['button', 'incident.ack', incidentId],
      ['static_select', 'incident.silence', undefined],
      ['button', 'incident.rerun', incidentId],
      ['button', 'incident.resolve', incidentId],
    ]);
    expect(row?.elements[1]?.options?.map((o) => o.value)).toEqual(['1h', '4h', '24h']);
  });

  it('Acknowledge: the clicker owns it (root), the thread says so, the audit trail records it', async () => {
    const r = await click('incident.ack', ONCALL);
    expect(r.status).toBe(200);
    await told(ONCALL, `You own ${incidentId}`);
    await h.settle();
    expect(messageText(rootNow())).toContain(`*Owner*\n<@${ONCALL}> (acknowledged`);
    expect(
      threadText().some((t) => t.includes(`<@${ONCALL}> acknowledged this incident and owns it now.`)),
    ).toBe(true);
    const trail = await h.audit.readTrail({ incident: incidentId });
    expect(trail.some((e) => e.event === 'incident.acknowledged' && e.actor === ONCALL)).toBe(true);
    expect(
      trail.some(
        (e) => e.event === 'command.invoked' && e.actor === ONCALL && e.details.command === 'incident.ack',
      ),
    ).toBe(true);
  });

  it('a click by someone without permission is refused to them only, audited, and changes nothing', async () => {
    const before = h.fake.thread(INCIDENT_CHANNEL, root.ts).length;
    await click('incident.resolve', MALLORY);
    const refusal = await told(MALLORY, 'You may not run /perf resolve');
    expect(JSON.stringify(refusal.blocks)).toContain(`Who may: <@${ONCALL}>`);
    await h.settle();
    expect(await h.incidents.get(incidentId)).toMatchObject({ status: 'open', acknowledgedBy: ONCALL });
    expect(h.fake.thread(INCIDENT_CHANNEL, root.ts)).toHaveLength(before);
    const refused = (await h.audit.readTrail()).filter(
      (e) => e.event === 'command.refused' && e.actor === MALLORY,
    );
    expect(refused.map((e) => [e.incident, e.details.command])).toEqual([[incidentId, 'resolve']]);
  });

  it('Silence 1h: the silence is in Alertmanager, created by the clicker; Expire silence ends it', {
    timeout: 60_000,
  }, async () => {
    const r = await sendSigned(
      `${h.url}/slack/events`,
      SIGNING_SECRET,
      blockActionBody({
        actionId: 'incident.silence',
        select: { blockId: `incident:${incidentId}`, label: 'Silence 1h' },
        value: '1h',
        user: ONCALL,
        channel: INCIDENT_CHANNEL,
        messageTs: root.ts,
      }),
    );
    expect(r.status).toBe(200);
    await told(ONCALL, `Silenced ${incidentId} (${title}) for 1h`);
    type Silence = {
      id: string;
      createdBy: string;
      status: { state: string };
      matchers: { name: string; value: string; isRegex: boolean }[];
    };
    const silences = async () => (await (await fetch(`${am.url}/api/v2/silences`)).json()) as Silence[];
    const [silence] = (await silences()).filter((s) => s.status.state === 'active');
    expect(silence).toMatchObject({ createdBy: ONCALL });
    expect(silence?.matchers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'alertname', value: [...CONNECTOR].sort().join('|'), isRegex: true }),
        expect.objectContaining({ name: 'namespace', value: 'default' }),
      ]),
    );
    expect(silence?.matchers.map((m) => m.name)).not.toContain('severity');
    await h.settle();
    expect(threadText().some((t) => t.includes(`Silenced by <@${ONCALL}> until`))).toBe(true);
    expect(messageText(rootNow())).toContain(`Silenced until`);
    expect(actionIds(rootNow())).toContain('incident.unsilence');

    await click('incident.unsilence', ONCALL);
    await told(ONCALL, `Expired 1 silence(s) of ${incidentId}`);
    const after = (await silences()).find((s) => s.id === silence?.id);
    expect(after?.status.state).toBe('expired');
    await h.settle();
    expect(
      threadText().some((t) => t.includes(`Silence ${silence?.id} on ${am.url} was expired by <@${ONCALL}>`)),
    ).toBe(true);
    expect(actionIds(rootNow())).not.toContain('incident.unsilence');
    expect(messageText(rootNow())).not.toContain('Silenced until');
  });

  it('Re-run diagnosis (button, and /perf diagnose <incident>): a new diagnosis in the thread, proposals not doubled', {
    timeout: 90_000,
  }, async () => {
    await click('incident.rerun', MALLORY); // a read-only command: open to anyone by default
    await told(MALLORY, `Diagnosing ${incidentId} (${title}) again`);
    await waitUntil(async () => (await diagnosesDone()).length === 2, 'the second diagnosis', 60_000);
    await h.settle();
    expect(threadText().some((t) => t.includes(`Diagnosis re-run requested by <@${MALLORY}>.`))).toBe(true);
    expect(reports()).toHaveLength(2);
    expect(proposals()).toHaveLength(2);

    const typed = await h.slash(`diagnose ${incidentId}`, { user: ONCALL, channel: INCIDENT_CHANNEL });
    expect(typed.body).toContain(`Diagnosing ${incidentId}`);
    await waitUntil(async () => (await diagnosesDone()).length === 3, 'the third diagnosis', 60_000);
    await h.settle();
    const started = (await h.audit.readTrail({ incident: incidentId })).filter(
      (e) => e.event === 'diagnosis.started',
    );
    expect(started.map((e) => [e.actor, e.details.origin])).toEqual([
      ['system', 'incident'],
      [MALLORY, 'rerun'],
      [ONCALL, 'rerun'],
    ]);
    expect(h.fake.roots(INCIDENT_CHANNEL).filter((m) => messageText(m).includes('S3Sentinel'))).toHaveLength(
      1,
    );
  });

  it('Resolve: the root says resolved and loses its buttons, the pending proposals are retired', {
    timeout: 60_000,
  }, async () => {
    const ids = proposals().map(
      (m) => rows(m)[0]?.elements.find((e) => e.action_id === 'remediation.approve')?.value as string,
    );
    await click('incident.resolve', ONCALL);
    await told(ONCALL, `Resolved ${incidentId}`);
    for (const id of ids)
      await waitUntil(async () => (await remediation.getProposal(id))?.status === 'retired', 'retirement');
    await h.settle();
    expect(await h.incidents.get(incidentId)).toMatchObject({ status: 'resolved', resolvedBy: ONCALL });
    const text = messageText(rootNow());
    expect(text).toContain('Resolved: ');
    expect(text).toContain(`*Resolved by*\n<@${ONCALL}>`);
    expect(actionIds(rootNow())).toEqual([]);
    // Each proposal's own message says it is retired, and the thread is told once per proposal.
    expect(threadText().filter((t) => t.includes('it can no longer be approved'))).toHaveLength(2);
  });
});
