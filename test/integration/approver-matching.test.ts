// Exact approver matching through the real decide (real Redis, real BullMQ): user entries match
// user IDs, group entries only membership. And a malformed button value clicked in Slack (signed
// request to the real server) is refused and audited, its raw value cut to 64 characters.
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, remediationHarness, testPlaybook } from '../support/remediation-fixtures.js';
import { type Harness as SlackHarness, startHarness, waitUntil } from './slack-harness.js';

async function proposeWith(h: Harness, approvers: string[], required?: number) {
  const playbook = testPlaybook({}, { approval: { approvers, ...(required ? { required } : {}) } });
  const remediation = playbook.remediations[0];
  if (!remediation) throw new Error('no remediation');
  const out = await h.service.propose({
    playbook,
    remediation,
    incidentId: 'inc-1',
    requester: 'UREQUESTER',
  });
  if (out.status !== 'created') throw new Error(`not created: ${out.status}`);
  return out.proposal;
}

async function refusals(h: Harness) {
  return (await h.service.audit.readTrail()).filter((e) => e.event === 'proposal.refused');
}

describe('approver matching (real decide)', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it('a group ID arriving as the clicking user ID matches nothing', async () => {
    h = remediationHarness();
    h.service.useGroupResolver(async () => ['UGROUPIE']);
    const p = await proposeWith(h, ['UAPPROVER1', 'S0SRE']);
    const out = await h.service.decide({ proposalId: p.id, userId: 'S0SRE', decision: 'approve' });
    expect(out).toMatchObject({ ok: false, reason: 'not-approver' });
    expect((await h.service.getProposal(p.id))?.status).toBe('pending');
    expect(await refusals(h)).toEqual([
      expect.objectContaining({
        actor: 'S0SRE',
        details: expect.objectContaining({ reason: 'not-approver' }),
      }),
    ]);
    // The group's real member may.
    const member = await h.service.decide({ proposalId: p.id, userId: 'UGROUPIE', decision: 'approve' });
    expect(member).toMatchObject({ ok: true, result: 'approved' });
  });

  it('a user in two groups approves through the first group that answers, once', async () => {
    h = remediationHarness();
    const members: Record<string, string[]> = { S0DBA: ['UBOTH', 'UDBA'], S0SRE: ['UBOTH', 'USRE'] };
    h.service.useGroupResolver(async (g) => {
      if (g === 'S0DBA') throw new Error('ratelimited');
      return members[g] ?? [];
    });
    const p = await proposeWith(h, ['S0DBA', 'S0SRE']);
    const out = await h.service.decide({ proposalId: p.id, userId: 'UBOTH', decision: 'approve' });
    expect(out).toMatchObject({ ok: true, result: 'approved' });
    const [approved] = (await h.service.audit.readTrail()).filter((e) => e.event === 'proposal.approved');
    expect(approved?.details).toMatchObject({ via: 'S0SRE', complete: true });
  });

  it('a user in two groups counts once towards two required approvals', async () => {
    h = remediationHarness();
    const members: Record<string, string[]> = { S0DBA: ['UBOTH', 'UDBA'], S0SRE: ['UBOTH', 'USRE'] };
    h.service.useGroupResolver(async (g) => members[g] ?? []);
    const p = await proposeWith(h, ['S0DBA', 'S0SRE'], 2);
    const first = await h.service.decide({ proposalId: p.id, userId: 'UBOTH', decision: 'approve' });
    expect(first).toMatchObject({ ok: true, result: 'approval-recorded' });
    const again = await h.service.decide({ proposalId: p.id, userId: 'UBOTH', decision: 'approve' });
    expect(again).toMatchObject({ ok: false });
    expect((await h.service.getProposal(p.id))?.status).toBe('pending');
    const refused = await refusals(h);
    expect(refused).toHaveLength(1);
    expect(refused[0]?.actor).toBe('UBOTH');
    // A second, different member completes it.
    const second = await h.service.decide({ proposalId: p.id, userId: 'USRE', decision: 'approve' });
    expect(second).toMatchObject({ ok: true, result: 'approved' });
  });

  it('a member removed from the group is refused once the membership is looked up again', async () => {
    h = remediationHarness();
    const sre = new Set(['UALICE', 'UBOB']);
    h.service.useGroupResolver(async () => [...sre], 0); // no cache: every click looks up
    const p = await proposeWith(h, ['S0SRE']);
    sre.delete('UBOB');
    const out = await h.service.decide({ proposalId: p.id, userId: 'UBOB', decision: 'approve' });
    expect(out).toMatchObject({ ok: false, reason: 'not-approver' });
    expect(out.text).toContain('You are not allowed to approve');
    expect(await refusals(h)).toHaveLength(1);
    expect(await h.service.decide({ proposalId: p.id, userId: 'UALICE', decision: 'approve' })).toMatchObject(
      {
        ok: true,
      },
    );
  });
});

describe('a malformed button value clicked in Slack', () => {
  let s: SlackHarness;
  afterEach(async () => {
    await s.close();
  });

  it('is refused to the clicker and audited with the raw value cut to 64 characters', async () => {
    // The app's own remediation service answers the click.
    s = await startHarness({});
    const raw = `prop-../../${'x'.repeat(100)}`;
    for (const value of [raw, '42:evil*']) {
      const res = await s.click({
        actionId: 'remediation.approve',
        value,
        user: 'U0MALLORY',
        channel: 'C0OPS',
        messageTs: '1700000000.000100',
      });
      expect(res.status).toBe(200);
    }
    await waitUntil(
      () => s.fake.ephemerals.filter((e) => e.user === 'U0MALLORY').length === 2 || undefined,
      'both refusals',
    );
    expect(s.fake.ephemerals.map((e) => e.text)).toEqual([
      'This button does not belong to a remediation perfbot knows.',
      'This button does not belong to a remediation perfbot knows.',
    ]);
    const entries = (await s.audit.readTrail()).filter((e) => e.event === 'proposal.refused');
    expect(entries.map((e) => e.details)).toEqual([
      {
        reason: 'not-found',
        decision: 'approve',
        malformed: true,
        value: raw.slice(0, 64),
        valueLength: raw.length,
      },
      { reason: 'not-found', decision: 'approve', malformed: true, value: '42:evil*' },
    ]);
    expect(entries.every((e) => e.actor === 'U0MALLORY')).toBe(true);
  });

  it('on Deny, Revert and the incident buttons too: every refusal audited, the raw value cut to 64', async () => {
    s = await startHarness({});
    const raw = `inc-../../${'y'.repeat(100)}`;
    const clicks = [
      'remediation.deny',
      'remediation.revert',
      'incident.ack',
      'incident.rerun',
      'incident.resolve',
      'incident.unsilence',
      'incident.silence', // a select: its incident is in block_id, here not perfbot's
    ];
    for (const actionId of clicks) {
      const res = await s.click({
        actionId,
        value: raw,
        user: 'U0MALLORY',
        channel: 'C0OPS',
        messageTs: '1700000000.000100',
      });
      expect(res.status).toBe(200);
    }
    await waitUntil(
      () => s.fake.ephemerals.filter((e) => e.user === 'U0MALLORY').length === clicks.length || undefined,
      'every refusal told to the clicker',
    );
    const trail = await s.audit.readTrail();
    const cut = raw.slice(0, 64);
    expect(trail.find((e) => e.event === 'proposal.refused')?.details).toEqual({
      reason: 'not-found',
      decision: 'deny',
      malformed: true,
      value: cut,
      valueLength: raw.length,
    });
    // Revert: the click with its value, then the refusal (not an approver, or no such fix).
    expect(trail.find((e) => e.details.button === 'remediation.revert')?.details).toMatchObject({
      value: cut,
      valueLength: raw.length,
    });
    expect(
      trail.some(
        (e) =>
          (e.event === 'command.refused' && e.details.command === 'undo') || e.event === 'revert.refused',
      ),
    ).toBe(true);
    const refused = trail.filter((e) => e.event === 'command.refused' && e.details.malformed === true);
    expect(refused.map((e) => e.details.command).sort()).toEqual(
      ['incident.ack', 'incident.rerun', 'incident.resolve', 'incident.silence', 'incident.unsilence'].sort(),
    );
    for (const e of refused.filter((r) => r.details.command !== 'incident.silence')) {
      expect(e).toMatchObject({ actor: 'U0MALLORY', details: { value: cut, valueLength: raw.length } });
    }
    expect(refused.find((e) => e.details.command === 'incident.silence')?.details).toMatchObject({
      reason: 'malformed',
      blockId: 'b1',
    });
    // Nothing longer than 64 characters of what the clicker sent reached the trail.
    expect(JSON.stringify(trail)).not.toContain(raw.slice(0, 65));
  });
});
