// Proposals follow their incident (real Redis, real BullMQ): resolution retires pending
// proposals once, audited, with an event for the renderers; an approval after the resolution is
// refused with that reason, also when it beats the retirer; nothing is proposed for a resolved
// incident (a resolved-only notification for a group never seen before).
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertBatch } from '../../src/alerts/schema.js';
import { IncidentLifecycle } from '../../src/incidents/lifecycle.js';
import { IncidentStore } from '../../src/incidents/store.js';
import { silentLogger } from '../../src/log.js';
import { routeAlert } from '../../src/playbooks/route.js';
import { IncidentResolvedError } from '../../src/remediation/proposals.js';
import { retireIncidentProposals, startProposalRetirer } from '../../src/remediation/retire.js';
import { testPlaybook as intakePlaybook, testCatalog } from '../support/intake.js';
import { type Harness, remediationHarness, testPlaybook, until } from '../support/remediation-fixtures.js';

const catalog = testCatalog(intakePlaybook('pipeline', [{ alertname: 'HighLatency' }]));
const REQUESTER = 'system';

function batch(group: string, status: 'firing' | 'resolved'): AlertBatch {
  return {
    source: 'alertmanager',
    group,
    meta: {},
    alerts: [
      {
        source: 'alertmanager',
        name: 'HighLatency',
        status,
        labels: { alertname: 'HighLatency', namespace: group },
        annotations: {},
        startsAt: '2024-05-03T12:00:00.000Z',
        ...(status === 'resolved' ? { endsAt: '2024-05-03T12:10:00.000Z' } : {}),
        fingerprint: `fp-${group}`,
      },
    ],
  };
}

describe('proposals follow the incident', () => {
  let h: Harness;
  let store: IncidentStore;
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
    await h.close();
  });

  function setup() {
    h = remediationHarness();
    store = new IncidentStore({ redis: h.redis, prefix: h.prefix });
  }
  const apply = (b: AlertBatch) =>
    store.apply(
      b,
      b.alerts.map((a) => routeAlert(a, catalog)),
    );
  async function proposeFor(incidentId: string, id = 'scale-enrichment') {
    const playbook = testPlaybook({}, { id });
    const out = await h.service.propose({
      playbook,
      remediation: playbook.remediations[0] as (typeof playbook.remediations)[0],
      incidentId,
      requester: REQUESTER,
    });
    if (out.status !== 'created') throw new Error(out.status);
    return out.proposal;
  }
  const auditOf = async (proposal: string) =>
    (await h.service.audit.readTrail({ proposal })).map(
      (e) => `${e.event}${e.details.reason ? ` ${e.details.reason}` : ''}`,
    );

  it('resolution retires pending proposals once; a later approval is refused with that reason', async () => {
    setup();
    const [id] = (await apply(batch('g1', 'firing'))).incidents as [string];
    const pending = await proposeFor(id);
    const other = await proposeFor(id, 'scale-other');
    // An approved one is not pending: it is left alone.
    await h.service.decide({ proposalId: other.id, userId: 'UAPPROVER1', decision: 'approve' });
    const deps = {
      store: h.service.store,
      audit: h.service.audit,
      events: h.service.events,
      log: silentLogger,
    };
    const retirer = startProposalRetirer({ ...deps, redis: h.redis, prefix: h.prefix, consumer: 'a' });
    const second = startProposalRetirer({ ...deps, redis: h.redis, prefix: h.prefix, consumer: 'b' });
    stops.push(retirer.stop, second.stop);

    await apply(batch('g1', 'resolved'));
    await until(async () => (await h.service.getProposal(pending.id))?.status === 'retired', 'retirement');
    expect(await h.service.getProposal(pending.id)).toMatchObject({
      status: 'retired',
      retiredReason: 'incident resolved',
    });
    expect((await h.service.getProposal(other.id))?.status).toBe('approved');
    await until(() => h.events.some((e) => e.type === 'proposal.retired'), 'the event');
    expect(h.events.filter((e) => e.type === 'proposal.retired').map((e) => e.proposal.id)).toEqual([
      pending.id,
    ]);
    // Retiring again (a redelivered event, another replica) does nothing.
    expect(await retireIncidentProposals(deps, id)).toEqual([]);

    const late = await h.service.decide({
      proposalId: pending.id,
      userId: 'UAPPROVER1',
      decision: 'approve',
    });
    expect(late).toMatchObject({ ok: false, reason: 'incident-resolved' });
    expect(late.text).toContain(`incident ${id} has resolved`);
    expect(await auditOf(pending.id)).toEqual([
      'proposal.created',
      'proposal.retired incident resolved',
      'proposal.refused incident-resolved',
    ]);
    const jobs = await h.service.queue.queue.getJobs(['waiting', 'active', 'delayed', 'completed']);
    expect(jobs.filter((j) => j.name === 'run' && j.data.proposalId === pending.id)).toEqual([]);
  });

  it('an approval that beats the retirer is refused and retires the proposal itself', async () => {
    setup();
    const lifecycle = new IncidentLifecycle({ redis: h.redis, prefix: h.prefix });
    const [id] = (await apply(batch('g2', 'firing'))).incidents as [string];
    const p = await proposeFor(id);
    expect(await lifecycle.resolve(id, 'U0ONCALL')).toMatchObject({ outcome: 'resolved' });
    const late = await h.service.decide({ proposalId: p.id, userId: 'UAPPROVER1', decision: 'approve' });
    expect(late).toMatchObject({ ok: false, reason: 'incident-resolved', proposal: { status: 'retired' } });
    expect(h.events.map((e) => e.type)).toEqual(['proposal.retired']);
    expect(await auditOf(p.id)).toEqual([
      'proposal.created',
      'proposal.refused incident-resolved',
      'proposal.retired incident resolved',
    ]);
    // Deny is refused the same way: the proposal is closed.
    const deny = await h.service.decide({ proposalId: p.id, userId: 'UAPPROVER1', decision: 'deny' });
    expect(deny).toMatchObject({ ok: false, reason: 'incident-resolved' });
  });

  it('nothing is proposed for an incident that has already resolved', async () => {
    setup();
    // A resolved-only notification for a group never seen: opened and resolved at once.
    const res = await apply(batch('g3', 'resolved'));
    expect(res.events.map((e) => e.type)).toEqual(['opened', 'resolved']);
    const [id] = res.incidents as [string];
    await expect(proposeFor(id)).rejects.toBeInstanceOf(IncidentResolvedError);
    expect(await h.service.store.proposalsOf(id)).toEqual([]);
    expect(await h.service.store.isIncidentResolved(id)).toBe(true);
    const all = await h.service.proposeFromDiagnosis({
      playbook: testPlaybook(),
      incidentId: id,
      requester: REQUESTER,
      diagnosis: { remediations: testPlaybook().remediations, bottlenecks: [] } as never,
    });
    expect(all).toEqual([
      expect.objectContaining({ error: `incident ${id} has resolved: nothing is proposed for it` }),
    ]);
    expect((await h.service.audit.readTrail()).map((e) => e.event)).toEqual([]);
  });
});
