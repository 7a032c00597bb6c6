import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import type { Proposal } from '../../src/remediation/proposal.js';
import { RemediationService } from '../../src/remediation/service.js';
import {
  fakeScale,
  type Harness,
  remediationHarness,
  testPlaybook,
} from '../support/remediation-fixtures.js';

const REQUESTER = 'UREQUESTER';

async function proposeOne(
  h: Harness,
  approval: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) {
  const playbook = testPlaybook({}, { approval, ...extra });
  const remediation = playbook.remediations[0];
  if (!remediation) throw new Error('no remediation');
  const outcome = await h.service.propose({
    playbook,
    remediation,
    incidentId: 'inc-1',
    requester: REQUESTER,
  });
  if (outcome.status !== 'created') throw new Error(`not created: ${outcome.status}`);
  return outcome.proposal;
}

async function runJobs(h: Harness, id: string) {
  const jobs = await h.service.queue.queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed']);
  return jobs.filter((j) => j.name === 'run' && j.data.proposalId === id);
}

async function auditEvents(h: Harness, proposal: string) {
  return (await h.service.audit.readTrail()).filter((e) => e.proposal === proposal).map((e) => e.event);
}

describe('proposals and approval decisions (real Redis, real BullMQ)', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it('stores a proposal with resolved params, a preview, the default policy and an expiry', async () => {
    h = remediationHarness({ now: () => new Date('2024-05-01T12:00:00Z') });
    const p = await proposeOne(h);
    expect(p.id).toMatch(/^prop-[0-9a-f]{12}$/);
    expect(p.status).toBe('pending');
    expect(p.preview).toBe('Deployment/enrichment replicas 2 → 4');
    expect(p.params).toEqual({
      workload: { kind: 'Deployment', name: 'enrichment' },
      replicas: 4,
      min: 1,
      max: 8,
    });
    expect(p.policy).toEqual({
      approvers: ['UAPPROVER1', 'UAPPROVER2', 'SGROUP1'],
      required: 1,
      allowSelfApproval: false,
    });
    expect(p.expiresAt).toBe('2024-05-01T12:30:00.000Z');
    expect(p.requester).toBe(REQUESTER);
    expect(p.namespace).toBe('market-data');
    expect(await auditEvents(h, p.id)).toEqual(['proposal.created']);
    const expiry = await h.service.queue.queue.getJob(`${p.id}-expire`);
    expect(expiry?.opts.delay).toBe(30 * 60_000);
  });

  it('require() returns the stored proposal and names a missing one with a coded error', async () => {
    h = remediationHarness();
    const p = await proposeOne(h);
    expect((await h.service.store.require(p.id)).preview).toBe(p.preview);
    await expect(h.service.store.require('prop-000000000000')).rejects.toMatchObject({
      code: 'PROPOSAL_NOT_FOUND',
      message: 'no proposal prop-000000000000 is stored',
    });
  });

  it('returns the open proposal instead of a second one for the same incident and remediation', async () => {
    h = remediationHarness();
    const p = await proposeOne(h);
    const playbook = testPlaybook();
    const again = await h.service.propose({
      playbook,
      remediation: playbook.remediations[0] as (typeof playbook.remediations)[0],
      incidentId: 'inc-1',
      requester: 'system',
    });
    expect(again.status).toBe('exists');
    if (again.status === 'exists') expect(again.proposal.id).toBe(p.id);
  });

  it('proposes nothing when the system is already in the desired state', async () => {
    h = remediationHarness();
    const playbook = testPlaybook(
      {},
      { params: { workload: { kind: 'Deployment', name: 'enrichment' }, replicas: 2, max: 8 } },
    );
    const outcome = await h.service.propose({
      playbook,
      remediation: playbook.remediations[0] as (typeof playbook.remediations)[0],
      incidentId: 'inc-1',
      requester: REQUESTER,
    });
    expect(outcome).toEqual({ status: 'noop', preview: 'Deployment/enrichment replicas 2 → 2' });
    expect((await h.service.audit.readTrail()).map((e) => e.event)).toEqual(['proposal.noop']);
  });

  it('refuses to propose past a guard rail', async () => {
    h = remediationHarness();
    await expect(
      proposeOne(h, {}, { params: { workload: { kind: 'Deployment', name: 'enrichment' }, by: 10, max: 8 } }),
    ).rejects.toThrow(/outside 1\.\.8/);
  });

  it('needs M of N distinct approvals; the same user twice counts once; the Mth enqueues one job', async () => {
    h = remediationHarness();
    const p = await proposeOne(h, { approvers: ['UAAA', 'UBBB', 'UCCC'], required: 2 });
    const first = await h.service.decide({ proposalId: p.id, userId: 'UAAA', decision: 'approve' });
    expect(first).toMatchObject({
      ok: true,
      result: 'approval-recorded',
      text: expect.stringContaining('1 of 2'),
    });
    const again = await h.service.decide({ proposalId: p.id, userId: 'UAAA', decision: 'approve' });
    expect(again).toMatchObject({ ok: false, reason: 'duplicate' });
    expect(await runJobs(h, p.id)).toHaveLength(0);

    const second = await h.service.decide({ proposalId: p.id, userId: 'UBBB', decision: 'approve' });
    expect(second.ok).toBe(true);
    if (!second.ok) return;
    expect(second.result).toBe('approved');
    expect(second.proposal.status).toBe('approved');
    expect(second.proposal.approvals.map((a) => a.userId)).toEqual(['UAAA', 'UBBB']);
    expect(second.proposal.decidedBy).toBe('UBBB');
    const jobs = await runJobs(h, p.id);
    expect(jobs.map((j) => j.id)).toEqual([p.id]);

    const late = await h.service.decide({ proposalId: p.id, userId: 'UCCC', decision: 'approve' });
    expect(late).toMatchObject({
      ok: false,
      reason: 'already-decided',
      text: expect.stringContaining('already approved'),
    });
    expect(await auditEvents(h, p.id)).toEqual([
      'proposal.created',
      'proposal.approved',
      'proposal.refused',
      'proposal.approved',
      'proposal.refused',
    ]);
    const trail = await h.service.audit.readTrail({ proposal: p.id });
    expect(trail[3]?.details).toMatchObject({ approvals: '2/2', complete: true });
    expect(trail[4]?.details).toMatchObject({ reason: 'already-decided', status: 'approved' });
  });

  it('refuses someone who is not an approver, and changes nothing', async () => {
    h = remediationHarness();
    const p = await proposeOne(h);
    const out = await h.service.decide({ proposalId: p.id, userId: 'UOUTSIDER', decision: 'approve' });
    expect(out).toMatchObject({ ok: false, reason: 'not-approver' });
    expect(out.text).toContain('Approvers: UAPPROVER1, UAPPROVER2, SGROUP1');
    expect((await h.service.getProposal(p.id))?.status).toBe('pending');
    const deny = await h.service.decide({ proposalId: p.id, userId: 'UOUTSIDER', decision: 'deny' });
    expect(deny).toMatchObject({ ok: false, reason: 'not-approver' });
    expect(await auditEvents(h, p.id)).toEqual(['proposal.created', 'proposal.refused', 'proposal.refused']);
  });

  it('refuses self-approval by the requester unless the policy allows it', async () => {
    h = remediationHarness();
    const p = await proposeOne(h, { approvers: [REQUESTER, 'UOTHER'] });
    const out = await h.service.decide({ proposalId: p.id, userId: REQUESTER, decision: 'approve' });
    expect(out).toMatchObject({ ok: false, reason: 'self-approval' });
    expect((await h.service.getProposal(p.id))?.approvals).toEqual([]);

    const playbook = testPlaybook(
      {},
      { id: 'scale-self', approval: { approvers: [REQUESTER], allowSelfApproval: true } },
    );
    const allowed = await h.service.propose({
      playbook,
      remediation: playbook.remediations[0] as (typeof playbook.remediations)[0],
      incidentId: 'inc-2',
      requester: REQUESTER,
    });
    if (allowed.status !== 'created') throw new Error('not created');
    const ok = await h.service.decide({
      proposalId: allowed.proposal.id,
      userId: REQUESTER,
      decision: 'approve',
    });
    expect(ok).toMatchObject({ ok: true, result: 'approved' });
  });

  it('refuses after expiry, marks the proposal expired and says so', async () => {
    let now = new Date('2024-05-01T12:00:00Z');
    h = remediationHarness({ now: () => now });
    const p = await proposeOne(h, { expiresAfter: '10m' });
    now = new Date('2024-05-01T12:10:00.001Z');
    const out = await h.service.decide({ proposalId: p.id, userId: 'UAPPROVER1', decision: 'approve' });
    expect(out).toMatchObject({
      ok: false,
      reason: 'expired',
      text: expect.stringContaining('expired at 2024-05-01T12:10:00.000Z'),
    });
    expect(out.proposal?.status).toBe('expired');
    expect(h.events.map((e) => e.type)).toEqual(['proposal.expired']);
    const again = await h.service.decide({ proposalId: p.id, userId: 'UAPPROVER1', decision: 'approve' });
    expect(again).toMatchObject({ ok: false, reason: 'already-decided' });
    expect(await runJobs(h, p.id)).toHaveLength(0);
    expect(await auditEvents(h, p.id)).toEqual([
      'proposal.created',
      'proposal.refused',
      'proposal.expired',
      'proposal.refused',
    ]);
  });

  it('a deny ends the proposal; later approvals are refused', async () => {
    h = remediationHarness();
    const p = await proposeOne(h, { approvers: ['UAAA', 'UBBB'], required: 2 });
    await h.service.decide({ proposalId: p.id, userId: 'UAAA', decision: 'approve' });
    const deny = await h.service.decide({ proposalId: p.id, userId: 'UBBB', decision: 'deny' });
    expect(deny).toMatchObject({ ok: true, result: 'denied' });
    if (deny.ok) expect(deny.proposal).toMatchObject({ status: 'denied', decidedBy: 'UBBB' });
    const late = await h.service.decide({ proposalId: p.id, userId: 'UBBB', decision: 'approve' });
    expect(late).toMatchObject({
      ok: false,
      reason: 'already-decided',
      text: expect.stringContaining('denied (by UBBB)'),
    });
    expect(await runJobs(h, p.id)).toHaveLength(0);
  });

  it('lets the requester withdraw (deny) their own proposal', async () => {
    h = remediationHarness();
    const p = await proposeOne(h);
    expect(await h.service.decide({ proposalId: p.id, userId: REQUESTER, decision: 'deny' })).toMatchObject({
      ok: true,
      result: 'denied',
    });
  });

  it('accepts a member of an approver user group, resolving the group once per burst', async () => {
    h = remediationHarness();
    const lookups: string[] = [];
    h.service.useGroupResolver(async (group) => {
      lookups.push(group);
      return group === 'SGROUP1' ? ['UGROUPIE'] : [];
    });
    const p = await proposeOne(h, { approvers: ['SGROUP1'], required: 1 });
    const outsider = await h.service.decide({ proposalId: p.id, userId: 'UNOTINGROUP', decision: 'approve' });
    expect(outsider).toMatchObject({ ok: false, reason: 'not-approver' });
    const member = await h.service.decide({ proposalId: p.id, userId: 'UGROUPIE', decision: 'approve' });
    expect(member).toMatchObject({ ok: true, result: 'approved' });
    expect(lookups).toEqual(['SGROUP1']);
    const trail = await h.service.audit.readTrail({ proposal: p.id });
    expect(trail.at(-1)).toMatchObject({
      actor: 'UGROUPIE',
      event: 'proposal.approved',
      details: { via: 'SGROUP1' },
    });
  });

  it('says why when a group cannot be resolved', async () => {
    h = remediationHarness();
    h.service.useGroupResolver(async () => {
      throw new Error('slack down');
    });
    const p = await proposeOne(h, { approvers: ['SGROUP1'] });
    const out = await h.service.decide({ proposalId: p.id, userId: 'UGROUPIE', decision: 'approve' });
    expect(out).toMatchObject({ ok: false, reason: 'not-approver' });
    expect(out.text).toContain('membership of SGROUP1 could not be checked');
  });

  it('with no approvers at all, nobody can approve, and the proposal says so', async () => {
    h = remediationHarness({ config: { approvers: [], dryRun: false, verifyAfterMs: 1000 } });
    const p = await proposeOne(h);
    expect(p.policy.approvers).toEqual([]);
    expect(p.warnings[0]).toMatch(/nobody can approve/);
    const out = await h.service.decide({ proposalId: p.id, userId: 'UANYONE', decision: 'approve' });
    expect(out).toMatchObject({ ok: false, reason: 'no-approvers' });
  });

  it('refuses an unknown proposal ID', async () => {
    h = remediationHarness();
    const out = await h.service.decide({
      proposalId: 'prop-000000000000',
      userId: 'UAAA',
      decision: 'approve',
    });
    expect(out).toMatchObject({ ok: false, reason: 'not-found', proposal: undefined });
  });

  it('refuses a forged button value without touching a key, and audits it', async () => {
    h = remediationHarness();
    const out = await h.service.decide({ proposalId: '42:evil*', userId: 'UAAA', decision: 'approve' });
    expect(out).toMatchObject({ ok: false, reason: 'not-found' });
    const [entry] = await h.service.audit.readTrail();
    expect(entry).toMatchObject({
      actor: 'UAAA',
      event: 'proposal.refused',
      details: { reason: 'not-found', value: '42:evil*' },
    });
  });

  it('a double click yields one approval and one job', async () => {
    h = remediationHarness();
    const p = await proposeOne(h);
    const outs = await Promise.all([
      h.service.decide({ proposalId: p.id, userId: 'UAPPROVER1', decision: 'approve' }),
      h.service.decide({ proposalId: p.id, userId: 'UAPPROVER1', decision: 'approve' }),
    ]);
    expect(outs.filter((o) => o.ok).length).toBe(1);
    expect(outs.find((o) => !o.ok)).toMatchObject({ reason: 'already-decided' });
    expect(await runJobs(h, p.id)).toHaveLength(1);
  });

  it('two replicas (two Redis clients) deciding at once yield exactly one job', async () => {
    h = remediationHarness();
    const p = await proposeOne(h);
    const other = new Redis(h.url);
    const replica = new RemediationService({
      redis: other,
      redisUrl: h.url,
      prefix: h.prefix,
      config: { approvers: ['UAPPROVER1', 'UAPPROVER2'], dryRun: false, verifyAfterMs: 1000 },
      backends: { kubernetes: h.port },
      actions: { 'kubernetes.scale': fakeScale },
      log: silentLogger,
    });
    try {
      const outs = await Promise.all([
        h.service.decide({ proposalId: p.id, userId: 'UAPPROVER1', decision: 'approve' }),
        replica.decide({ proposalId: p.id, userId: 'UAPPROVER2', decision: 'approve' }),
        h.service.decide({ proposalId: p.id, userId: 'UAPPROVER2', decision: 'approve' }),
        replica.decide({ proposalId: p.id, userId: 'UAPPROVER1', decision: 'approve' }),
      ]);
      expect(outs.filter((o) => o.ok && o.result === 'approved')).toHaveLength(1);
      expect(outs.filter((o) => !o.ok).map((o) => !o.ok && o.reason)).toEqual([
        'already-decided',
        'already-decided',
        'already-decided',
      ]);
      expect(await runJobs(h, p.id)).toHaveLength(1);
      const stored = (await h.service.getProposal(p.id)) as Proposal;
      expect(stored.approvals).toHaveLength(1);
      // Both replicas audited into one chain.
      expect(await h.service.audit.verifyTrail()).toEqual({ ok: true, count: 5 });
    } finally {
      await replica.close();
      other.disconnect();
    }
  });
});
