// Undo through the real path: propose → approve → BullMQ worker changes the Kubernetes fake →
// `proposeRevert` (what /perf undo and Revert call) → approve → the worker restores exactly the
// state it recorded before the fix. The fake's request log shows every write.
import { afterEach, describe, expect, it } from 'vitest';
import { RESTART_ID } from '../../src/integrations/kubernetes/index.js';
import type { Proposal } from '../../src/remediation/proposal.js';
import {
  APP_RESOURCES,
  CONFIG_YAML,
  created,
  NS,
  type UndoWorld,
  undoWorld,
} from '../support/undo-fixtures.js';

const DEPLOY = `/apis/apps/v1/namespaces/${NS}/deployments/enrichment`;
const CM = `/api/v1/namespaces/${NS}/configmaps/connector-config`;
let w: UndoWorld;
afterEach(async () => {
  await w.close();
});

async function fixThenRevert(id: string): Promise<{ fix: Proposal; revert: Proposal }> {
  const fix = await w.approveAndRun(created(await w.propose(id)).id);
  expect(fix.status).toBe('succeeded');
  const outcome = await w.h.service.proposeRevert({ proposalId: fix.id, requester: 'UAPPROVER2' });
  if (outcome.status !== 'created') throw new Error(`revert not created: ${JSON.stringify(outcome)}`);
  // The same approval policy; the revert's requester may not approve it.
  expect(outcome.proposal.policy).toEqual(fix.policy);
  expect(outcome.proposal).toMatchObject({
    status: 'pending',
    revertOf: fix.id,
    title: `Revert: ${fix.title}`,
  });
  const self = await w.h.service.decide({
    proposalId: outcome.proposal.id,
    userId: 'UAPPROVER2',
    decision: 'approve',
  });
  expect(self).toMatchObject({ ok: false, reason: 'self-approval' });
  const revert = await w.approveAndRun(outcome.proposal.id);
  expect(revert.status).toBe('succeeded');
  return { fix, revert };
}

describe('undo (real worker, BullMQ, Redis, Kubernetes fake)', () => {
  it('scale: applied, then reverted to the exact prior replicas', async () => {
    w = await undoWorld();
    const { fix, revert } = await fixThenRevert('scale-enrichment');
    expect(fix.prior).toEqual({ target: 'Deployment/enrichment', values: { replicas: 2 } });
    expect(fix.result?.after).toEqual({ target: 'Deployment/enrichment', values: { replicas: 4 } });
    expect(revert.preview).toBe(`Deployment/enrichment replicas 4 → 2 (revert of ${fix.id})`);
    expect(w.kube.callsTo('PATCH', `${DEPLOY}/scale`).map((c) => c.body)).toEqual([
      { spec: { replicas: 4 } },
      { spec: { replicas: 2 } },
    ]);
    expect(w.kube.state.get('Deployment', NS, 'enrichment')?.spec.replicas).toBe(2);

    const trail = await w.h.service.audit.readTrail({ incident: 'inc-undo' });
    const succeeded = trail.filter((e) => e.event === 'job.succeeded');
    expect(succeeded.map((e) => [e.proposal, e.details.before, e.details.after])).toEqual([
      [fix.id, { replicas: 2 }, { replicas: 4 }],
      [revert.id, { replicas: 4 }, { replicas: 2 }],
    ]);
    expect(
      trail.find((e) => e.proposal === revert.id && e.event === 'proposal.created')?.details,
    ).toMatchObject({
      revertOf: fix.id,
    });
    expect(await w.h.service.audit.verifyTrail()).toMatchObject({ ok: true });
  });

  it('ConfigMap: the key document comes back byte for byte, guarded by resourceVersion, and the workload restarts', async () => {
    w = await undoWorld();
    const { fix, revert } = await fixThenRevert('smaller-batches');
    expect(fix.prior?.values).toMatchObject({ text: CONFIG_YAML, value: 1000 });
    expect(fix.result?.after?.values).toMatchObject({ value: 500 });
    const stored = w.kube.state.get('ConfigMap', NS, 'connector-config');
    expect(stored?.data).toEqual({ 'config.yaml': CONFIG_YAML, other: 'x' });
    const writes = w.kube.callsTo('PATCH', CM);
    expect(writes).toHaveLength(2);
    // The revert's write names the resourceVersion the fix left: a racing edit makes it fail.
    expect(writes[1]?.body).toEqual({
      metadata: { resourceVersion: fix.result?.after?.resourceVersion },
      data: { 'config.yaml': CONFIG_YAML },
    });
    expect(revert.preview).toBe(
      `ConfigMap connector-config (config.yaml): sentinel.batch_size 500 → 1000, the key restored as it was before ${fix.id}, then rollout restart Deployment/connector`,
    );
    // The old value takes effect only after a restart: the revert restarted the connector again.
    const template = w.kube.state.get('Deployment', NS, 'connector')?.spec.template;
    expect(template.metadata.annotations[RESTART_ID]).toBe(revert.id);
  });

  it('resources: requests and limits back exactly, the limit the fix added removed again', async () => {
    w = await undoWorld();
    const { fix } = await fixThenRevert('more-cpu');
    expect(fix.prior?.values).toEqual(APP_RESOURCES);
    const containers = w.kube.state.get('Deployment', NS, 'enrichment')?.spec.template.spec.containers;
    expect(containers.map((c: { name: string; resources: unknown }) => [c.name, c.resources])).toEqual([
      ['app', APP_RESOURCES],
      ['sidecar', { limits: { cpu: '100m' } }],
    ]);
    const patches = w.kube.callsTo('PATCH', DEPLOY).filter((c) => !c.path.endsWith('/scale'));
    expect(patches.at(-1)?.body).toEqual({
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'app',
                resources: {
                  requests: { cpu: '500m', memory: '512Mi' },
                  limits: { cpu: '1', memory: null },
                },
              },
            ],
          },
        },
      },
    });
  });

  it('refuses a revert when the object changed since the fix, saying what changed, and writes nothing', async () => {
    w = await undoWorld();
    const fix = await w.approveAndRun(created(await w.propose('scale-enrichment')).id);
    await w.port.patchScale(NS, { kind: 'Deployment', name: 'enrichment' }, 5); // someone ran kubectl scale
    const patchesBefore = w.kube.callsTo('PATCH', '/').length;
    const outcome = await w.h.service.proposeRevert({ proposalId: fix.id, requester: 'UAPPROVER2' });
    expect(outcome).toMatchObject({
      status: 'refused',
      reason: `Deployment/enrichment has 5 replicas now, not the 4 that ${fix.id} set: it was scaled since (by hand or by an autoscaler), so reverting would undo that change too; nothing reverted`,
    });
    expect(w.kube.callsTo('PATCH', '/')).toHaveLength(patchesBefore);
    const refused = (await w.h.service.audit.readTrail({ incident: 'inc-undo' })).at(-1);
    expect(refused).toMatchObject({ event: 'revert.refused', actor: 'UAPPROVER2', proposal: fix.id });
  });

  it('refuses a ConfigMap revert after an outside edit (resourceVersion differs)', async () => {
    w = await undoWorld();
    const fix = await w.approveAndRun(created(await w.propose('smaller-batches')).id);
    await w.port.patchConfigMap(NS, 'connector-config', { other: 'edited by hand' }, undefined);
    const outcome = await w.h.service.proposeRevert({ proposalId: fix.id, requester: 'UAPPROVER2' });
    expect(outcome.status).toBe('refused');
    if (outcome.status !== 'refused') return;
    expect(outcome.reason).toMatch(
      /^ConfigMap connector-config changed since prop-[0-9a-f]{12} \(resourceVersion \d+ → \d+: another part of the ConfigMap changed\); reverting would overwrite that change, so nothing was reverted$/,
    );
  });

  it('a revert approved after an outside change fails at run time instead of overwriting it', async () => {
    w = await undoWorld();
    const fix = await w.approveAndRun(created(await w.propose('scale-enrichment')).id);
    const outcome = await w.h.service.proposeRevert({ proposalId: fix.id, requester: 'UAPPROVER2' });
    if (outcome.status !== 'created') throw new Error('revert not created');
    await w.port.patchScale(NS, { kind: 'Deployment', name: 'enrichment' }, 6);
    const revert = await w.approveAndRun(outcome.proposal.id);
    expect(revert.status).toBe('failed');
    expect(revert.error).toContain('has 6 replicas now, not the 4');
    expect(w.kube.state.get('Deployment', NS, 'enrichment')?.spec.replicas).toBe(6);
  });

  it('Kafka partitions say "no undo" up front, and a revert is refused with that reason', async () => {
    w = await undoWorld();
    const p = created(await w.propose('more-partitions'));
    expect(p.undo).toEqual({
      supported: false,
      reason: expect.stringContaining('Kafka cannot remove partitions'),
    });
    expect(p.warnings).toContain(
      'no undo: Kafka cannot remove partitions, so a higher partition count cannot be reverted',
    );
    const fix = await w.approveAndRun(p.id);
    expect(fix.status).toBe('succeeded');
    expect(fix.prior).toEqual({ target: 'topic market-data', values: { partitions: 6 } });
    const outcome = await w.h.service.proposeRevert({ proposalId: fix.id, requester: 'UAPPROVER2' });
    expect(outcome).toMatchObject({
      status: 'refused',
      reason:
        'kafka.partitions has no undo: Kafka cannot remove partitions, so a higher partition count cannot be reverted',
    });
  });

  it('refuses to revert what never ran, and an unknown proposal', async () => {
    w = await undoWorld();
    const pending = created(await w.propose('scale-enrichment'));
    expect(await w.h.service.proposeRevert({ proposalId: pending.id, requester: 'U1' })).toMatchObject({
      status: 'refused',
      reason: `${pending.id} is pending: only a change that ran can be reverted`,
    });
    expect(
      await w.h.service.proposeRevert({ proposalId: 'prop-000000000000', requester: 'U1' }),
    ).toMatchObject({
      status: 'refused',
      reason: 'no proposal prop-000000000000 (IDs look like prop-1a2b3c4d5e6f)',
    });
    // What someone typed is kept cut to 64 characters, with its length, like any outsider's value.
    const typed = `prop-${'x'.repeat(300)}`;
    await w.h.service.proposeRevert({ proposalId: typed, requester: 'U1' });
    const refused = (await w.h.service.audit.readTrail()).filter((e) => e.event === 'revert.refused').at(-1);
    expect(refused?.details).toMatchObject({ of: typed.slice(0, 64), ofLength: typed.length });
  });
});
