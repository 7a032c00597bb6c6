// Guardrails against the Kubernetes fake through the real service and worker: a cooldown per
// target, bounds, a limit of changes per incident. A proposal that breaks one is stored
// `blocked` with its reasons and audited; no click can approve it; nothing reaches the API.
import { afterEach, describe, expect, it } from 'vitest';
import type { ProposeOutcome } from '../../src/remediation/proposals.js';
import { created, NS, type UndoWorld, undoPlaybook, undoWorld } from '../support/undo-fixtures.js';

let w: UndoWorld;
afterEach(async () => {
  await w.close();
});

function blocked(outcome: ProposeOutcome) {
  if (outcome.status !== 'blocked') throw new Error(`expected blocked, got ${JSON.stringify(outcome)}`);
  return outcome.proposal;
}
const patches = () => w.kube.callsTo('PATCH', '/').length;

describe('guardrails', () => {
  it('cooldown: a second change to the same workload is blocked with the reason and cannot be approved', async () => {
    w = await undoWorld();
    const first = await w.approveAndRun(created(await w.propose('scale-enrichment')).id);
    expect(first.status).toBe('succeeded');
    const before = patches();

    const p = blocked(await w.propose('more-cpu'));
    expect(p.status).toBe('blocked');
    expect(p.blocked).toEqual([
      {
        guardrail: 'cooldown',
        reason: expect.stringMatching(
          new RegExp(
            `^cooldown: Deployment/enrichment in ${NS} was changed \\S+ ago by ${first.id} \\(cooldown 30m, next change from \\S+Z\\); approvers may override with --override-cooldown, which needs one more approval$`,
          ),
        ),
      },
    ]);
    expect(p.warnings).toEqual([`blocked — ${p.blocked?.[0]?.reason}`]);
    const click = await w.h.service.decide({ proposalId: p.id, userId: 'UAPPROVER1', decision: 'approve' });
    expect(click).toMatchObject({
      ok: false,
      reason: 'blocked',
      text: expect.stringContaining('blocked by a guardrail and can never be approved: cooldown:'),
    });
    expect(await w.h.service.queue.queue.getJob(p.id)).toBeUndefined();
    expect(await w.h.service.queue.queue.getJob(`${p.id}-expire`)).toBeUndefined();
    expect(patches()).toBe(before);

    const trail = await w.h.service.audit.readTrail({ proposal: p.id });
    expect(trail.map((e) => e.event)).toEqual(['proposal.blocked', 'proposal.refused']);
    expect(trail[0]?.details).toMatchObject({ guardrails: ['cooldown'], remediation: 'more-cpu' });
    expect(trail[1]?.details).toMatchObject({ reason: 'blocked', status: 'blocked' });
  });

  it('cooldown override: the requester asks, the approvers override with one more approval', async () => {
    w = await undoWorld();
    await w.approveAndRun(created(await w.propose('scale-enrichment')).id);
    const stale = blocked(await w.propose('more-cpu'));
    const p = created(await w.propose('more-cpu', { overrideCooldown: true }));
    expect(p.id).not.toBe(stale.id); // the blocked one gave way
    expect(p.policy.required).toBe(2);
    expect(p.guardrails?.overrideCooldown).toEqual({ by: 'UREQUESTER' });
    expect(p.warnings).toEqual([
      expect.stringMatching(
        /^cooldown overridden at the request of UREQUESTER \(cooldown: Deployment\/enrichment .*\): needs 2 approvals, one more than usual$/,
      ),
    ]);
    const one = await w.approveAndRun(p.id, 'UAPPROVER1');
    expect(one.status).toBe('pending');
    const done = await w.approveAndRun(p.id, 'UAPPROVER2');
    expect(done.status).toBe('succeeded');
    const createdEntry = (await w.h.service.audit.readTrail({ proposal: p.id }))[0];
    expect(createdEntry?.details).toMatchObject({ overrideCooldown: 'UREQUESTER', required: 2 });
  });

  it('bounds: replicas, resource ceilings and batch sizes outside their range are blocked, each with its reason', async () => {
    w = await undoWorld(
      undoPlaybook({}, [
        {
          id: 'scale-huge',
          title: 'Scale to 400',
          action: 'kubernetes.scale',
          params: { workload: { kind: 'Deployment', name: 'enrichment' }, replicas: 400, max: 400 },
        },
        {
          id: 'cpu-huge',
          title: 'CPU 16',
          action: 'kubernetes.resources',
          params: {
            workload: { kind: 'Deployment', name: 'enrichment' },
            container: 'app',
            limits: { cpu: '16', memory: '64Gi' },
          },
        },
        {
          id: 'batch-huge',
          title: 'Batch 50000',
          action: 'kubernetes.configmap.set',
          params: {
            configMap: 'connector-config',
            key: 'config.yaml',
            path: 'sentinel.batch_size',
            value: 50_000,
          },
        },
        {
          id: 'scale-allowed',
          title: 'Scale to 30, allowed by the playbook',
          action: 'kubernetes.scale',
          params: { workload: { kind: 'Deployment', name: 'enrichment' }, replicas: 30, max: 40 },
          guardrails: { bounds: { replicas: { max: 40 } } },
        },
      ]),
    );
    const reasons = async (id: string) => blocked(await w.propose(id)).blocked?.map((b) => b.reason);
    expect(await reasons('scale-huge')).toEqual(['bounds: replicas 400 is outside the allowed 1..20']);
    expect(await reasons('cpu-huge')).toEqual([
      'bounds: cpu limit 16 is above the ceiling 8',
      'bounds: memory limit 64Gi is above the ceiling 16Gi',
    ]);
    expect(await reasons('batch-huge')).toEqual([
      'bounds: sentinel.batch_size 50000 is outside the allowed 1..10000',
    ]);
    expect(created(await w.propose('scale-allowed')).preview).toBe('Deployment/enrichment replicas 2 → 30');
    expect(w.kube.callsTo('PATCH', '/')).toHaveLength(0);
    const events = (await w.h.service.audit.readTrail({ incident: 'inc-undo' })).map((e) => e.event);
    expect(events).toEqual(['proposal.blocked', 'proposal.blocked', 'proposal.blocked', 'proposal.created']);
  });

  it('max changes per incident: once reached, the next proposal is blocked; reverts are not counted', async () => {
    const noCooldown = { guardrails: { cooldown: '0s', maxChangesPerIncident: 2 } };
    const pb = undoPlaybook();
    for (const r of pb.remediations) Object.assign(r.guardrails, noCooldown.guardrails);
    w = await undoWorld(pb);
    const a = await w.approveAndRun(created(await w.propose('scale-enrichment')).id);
    const b = await w.approveAndRun(created(await w.propose('more-cpu')).id);
    expect([a.status, b.status]).toEqual(['succeeded', 'succeeded']);
    const revert = await w.h.service.proposeRevert({ proposalId: b.id, requester: 'UAPPROVER2' });
    if (revert.status !== 'created') throw new Error('revert not created');
    expect((await w.approveAndRun(revert.proposal.id)).status).toBe('succeeded');

    const third = blocked(await w.propose('smaller-batches'));
    const [x, y] = [a.id, b.id].sort();
    expect(third.blocked).toEqual([
      {
        guardrail: 'max-changes',
        reason: `max changes per incident: inc-undo has had 2 change(s) already (${x}, ${y}; at most 2)`,
      },
    ]);
    // Another incident is not affected.
    expect((await w.propose('smaller-batches', { incidentId: 'inc-other' })).status).toBe('created');
  });

  it('enforced again when the job starts: of two approved changes to one workload, the second is not applied', async () => {
    w = await undoWorld();
    const scale = created(await w.propose('scale-enrichment'));
    const cpu = created(await w.propose('more-cpu')); // nothing changed yet: not blocked
    expect((await w.approveAndRun(scale.id)).status).toBe('succeeded');
    const before = patches();
    const second = await w.approveAndRun(cpu.id);
    expect(second.status).toBe('failed');
    expect(second.error).toMatch(
      new RegExp(
        `^cooldown: Deployment/enrichment in ${NS} was changed \\S+ ago by ${scale.id} \\(cooldown 30m, next change from \\S+\\); not applied$`,
      ),
    );
    expect(patches()).toBe(before);
    const failed = (await w.h.service.audit.readTrail({ proposal: cpu.id })).at(-1);
    expect(failed).toMatchObject({ event: 'job.failed', details: { code: 'GUARD_VIOLATION' } });
  });
});
