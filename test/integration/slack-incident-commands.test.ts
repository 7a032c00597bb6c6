// The incident lifecycle through signed Slack requests on perfbot's own server: /perf ack and
// /perf resolve from the slash command, the access rules (allowed directly and through a Slack
// user group, refused with who may, audited), pending proposals retired when the incident is
// resolved by hand, and an Approve click after that refused with the reason.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessGate } from '../../src/access/gate.js';
import { parseAccessText } from '../../src/access/load.js';
import { incidentActions } from '../../src/chat/command.js';
import { IncidentLifecycle } from '../../src/incidents/lifecycle.js';
import { silentLogger } from '../../src/log.js';
import { startProposalRetirer } from '../../src/remediation/retire.js';
import { RemediationService } from '../../src/remediation/service.js';
import { testRedisUrl } from '../support/redis.js';
import { FakeWorkloads, fakeScale, testPlaybook, until } from '../support/remediation-fixtures.js';
import {
  alertmanagerPayload,
  type Harness,
  INCIDENT_CHANNEL,
  startHarness,
  waitUntil,
} from './slack-harness.js';

let h: Harness;
let gate: AccessGate;
let remediation: RemediationService;
let retirer: { stop(): Promise<void> };

beforeAll(async () => {
  h = await startHarness({
    checks: {},
    backends: {},
    env: { PERFBOT_APPROVERS: 'U0ONCALL' },
    fake: { usergroups: { S0SRE: ['U0DAVE'] } },
    remediation: ({ app, prefix, audit }) => {
      remediation = new RemediationService({
        redis: app.redis,
        redisUrl: testRedisUrl(),
        prefix,
        config: { approvers: ['U0ONCALL'], dryRun: false, verifyAfterMs: 60_000 },
        backends: { kubernetes: new FakeWorkloads({ 'Deployment/enrichment': 2 }) },
        actions: { 'kubernetes.scale': fakeScale },
        log: silentLogger,
        audit,
      });
      return remediation;
    },
    commands: ({ app, prefix, audit, incidents }) => {
      gate = new AccessGate({
        defaultApprovers: app.config.approvers,
        file: parseAccessText('commands:\n  ack: { who: [approvers, S0SRE] }\n', 'access.yml'),
        audit,
        log: silentLogger,
      });
      const lifecycle = new IncidentLifecycle({ redis: app.redis, prefix });
      return { incidentActions: incidentActions({ store: incidents, lifecycle }), access: gate };
    },
  });
  const client = h.chat.slack?.app.client;
  gate.useGroupResolver(
    async (usergroup) => (await client?.usergroups.users.list({ usergroup }))?.users ?? [],
  );
  retirer = startProposalRetirer({
    redis: h.app.redis,
    prefix: h.prefix,
    store: remediation.store,
    audit: h.audit,
    events: remediation.events,
    log: silentLogger,
    consumer: 'test',
  });
});
afterAll(async () => {
  await retirer?.stop();
  await remediation?.close();
  await h?.close();
});

const says = (r: { body: string }) =>
  (JSON.parse(r.body) as { blocks: { text?: { text: string } }[] }).blocks
    .map((b) => b.text?.text ?? '')
    .join('\n');

async function openIncident(fp: string): Promise<string> {
  const res = await h.alertmanager(
    alertmanagerPayload({
      groupKey: `{}:{alertname="S3SentinelMemoryHigh", pod="${fp}"}`,
      status: 'firing',
      alerts: [
        {
          alertname: 'S3SentinelMemoryHigh',
          fingerprint: fp,
          labels: { playbook: 'sentinel-connector', namespace: `ns-${fp}`, severity: 'warning' },
        },
      ],
    }),
  );
  const { incidents } = (await res.json()) as { incidents: string[] };
  const id = incidents[0] as string;
  await waitUntil(async () => (await h.incidents.get(id))?.thread, 'the incident thread');
  await h.settle();
  return id;
}

describe('/perf ack and resolve, signed', () => {
  it('an approver, and a member of an allowed user group, may acknowledge; others are refused and audited', async () => {
    const id = await openIncident('ack-1');
    const ok = await h.slash(`ack ${id}`, { user: 'U0ONCALL', channel: INCIDENT_CHANNEL });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ response_type: 'ephemeral' });
    expect(says(ok)).toContain(`You own ${id}`);
    expect((await h.incidents.get(id))?.acknowledgedBy).toBe('U0ONCALL');

    const no = await h.slash(`ack ${id}`, { user: 'U0MALLORY', channel: INCIDENT_CHANNEL });
    // Slack renders the IDs as mentions.
    expect(says(no)).toContain(
      'You may not run /perf ack. Who may: <@U0ONCALL>, members of <!subteam^S0SRE>.',
    );
    expect((await h.incidents.get(id))?.acknowledgedBy).toBe('U0ONCALL');

    const member = await h.slash(`ack ${id}`, { user: 'U0DAVE', channel: INCIDENT_CHANNEL });
    expect(says(member)).toContain('taken over from <@U0ONCALL>');
    const trail = await h.audit.readTrail();
    expect(
      trail.filter((e) => e.event === 'command.refused').map((e) => [e.actor, e.incident, e.details]),
    ).toEqual([
      [
        'U0MALLORY',
        id,
        {
          command: 'ack',
          channel: INCIDENT_CHANNEL,
          reason: 'not-permitted',
          whoMay: ['U0ONCALL', 'S0SRE'],
          rule: 'PERFBOT_ACCESS',
        },
      ],
    ]);
  });

  it('resolve by hand retires the pending proposal; an Approve click after it is refused with the reason', async () => {
    const id = await openIncident('resolve-1');
    const playbook = testPlaybook();
    const proposed = await remediation.propose({
      playbook,
      remediation: playbook.remediations[0] as (typeof playbook.remediations)[0],
      incidentId: id,
      requester: 'system',
    });
    if (proposed.status !== 'created') throw new Error(proposed.status);
    const proposalId = proposed.proposal.id;

    const refused = await h.slash(`resolve ${id}`, { user: 'U0MALLORY', channel: INCIDENT_CHANNEL });
    expect(says(refused)).toContain('You may not run /perf resolve. Who may: <@U0ONCALL>.');
    const done = await h.slash(`resolve ${id}`, { user: 'U0ONCALL', channel: INCIDENT_CHANNEL });
    expect(says(done)).toContain(`Resolved ${id}`);
    expect(await h.incidents.get(id)).toMatchObject({ status: 'resolved', resolvedBy: 'U0ONCALL' });
    await until(async () => (await remediation.getProposal(proposalId))?.status === 'retired', 'retirement');

    const thread = (await h.incidents.get(id))?.thread;
    const click = await h.click({
      actionId: 'remediation.approve',
      value: proposalId,
      user: 'U0ONCALL',
      channel: INCIDENT_CHANNEL,
      messageTs: thread?.ts ?? '',
    });
    expect(click.status).toBe(200);
    const told = await waitUntil(
      () => h.fake.ephemerals.find((e) => e.user === 'U0ONCALL' && e.text.includes('has resolved')),
      'the refusal',
    );
    expect(told.text).toContain(`incident ${id} has resolved, so this proposal was retired`);
    const events = (await h.audit.readTrail({ proposal: proposalId })).map((e) => [
      e.event,
      e.details.reason,
    ]);
    expect(events).toEqual([
      ['proposal.created', undefined],
      ['proposal.retired', 'incident resolved'],
      ['proposal.refused', 'incident-resolved'],
    ]);
  });
});
