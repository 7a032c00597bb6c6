// The incident lifecycle through signed Slack requests on perfbot's own server: /perf ack and
// /perf resolve from the slash command, the access rules (allowed directly and through a Slack
// user group, refused with who may, audited), pending proposals retired when the incident is
// resolved by hand, and an Approve click after that refused with the reason.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RemediationService } from '../../src/remediation/service.js';
import { FakeWorkloads, fakeScale, testPlaybook, until } from '../support/remediation-fixtures.js';
import {
  alertmanagerPayload,
  type Harness,
  INCIDENT_CHANNEL,
  startHarness,
  waitUntil,
} from './slack-harness.js';

let h: Harness;
let remediation: RemediationService;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perfbot-access-'));
  const accessFile = join(dir, 'access.yml');
  writeFileSync(accessFile, 'commands:\n  ack: { who: [approvers, S0SRE] }\n');
  h = await startHarness({
    checks: {},
    backends: { kubernetes: new FakeWorkloads({ 'Deployment/enrichment': 2 }) },
    actions: { 'kubernetes.scale': fakeScale },
    env: { PERFBOT_APPROVERS: 'U0ONCALL', PERFBOT_ACCESS: accessFile },
    fake: { usergroups: { S0SRE: ['U0DAVE'] } },
  });
  // The composition root built the access gate, the lifecycle and the proposal retirer.
  remediation = h.app.remediation;
});
afterAll(async () => {
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
