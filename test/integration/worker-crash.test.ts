// A worker process killed with SIGKILL in the middle of a job (after it scaled the Deployment,
// while it waits for the rollout): a second worker recovers the stalled job, and the change is
// applied once — the Kubernetes fake's call log shows one scale PATCH.
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubernetesClient } from '../../src/integrations/kubernetes/index.js';
import { createRegistry } from '../../src/integrations/registry.js';
import type { Proposal } from '../../src/remediation/proposal.js';
import { deployment, type FakeKubernetes, startFakeKubernetes } from '../fakes/kubernetes.js';
import { type Harness, remediationHarness, testPlaybook, until } from '../support/remediation-fixtures.js';

const SCALE_PATH = '/apis/apps/v1/namespaces/market-data/deployments/enrichment/scale';

describe('worker killed mid-job (SIGKILL)', () => {
  let kube: FakeKubernetes;
  let h: Harness;
  let child: ChildProcess | undefined;
  const childOutput: string[] = [];

  beforeAll(async () => {
    kube = await startFakeKubernetes({
      objects: [deployment({ namespace: 'market-data', name: 'enrichment', replicas: 2 })],
    });
    h = remediationHarness({
      config: { approvers: ['UAPPROVER1'], dryRun: false, verifyAfterMs: 3_600_000 },
      backends: { kubernetes: createKubernetesClient(kube.kubeConfig()) },
      actions: createRegistry(),
    });
  });

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await h.close();
    await kube.close();
  });

  it('recovers the stalled job on another worker and scales exactly once', async () => {
    // The rollout never finishes while the first worker waits for it.
    kube.state.stallRollout('Deployment', 'market-data', 'enrichment');
    const proc = spawn(
      process.execPath,
      ['--import', 'tsx', join('test', 'support', 'remediation-worker-child.ts')],
      {
        env: { ...process.env, REDIS_URL: h.url, PERFBOT_TEST_PREFIX: h.prefix, KUBE_URL: kube.url },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child = proc;
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      proc.on('exit', (_code, signal) => resolve(signal)),
    );
    proc.stdout?.on('data', (d: Buffer) => childOutput.push(...d.toString().split('\n').filter(Boolean)));
    proc.stderr?.on('data', (d: Buffer) => childOutput.push(d.toString()));
    await until(
      () => childOutput.includes('ready'),
      `the child worker to start (output: ${childOutput.join(' ')})`,
      30_000,
    );

    const playbook = testPlaybook();
    const out = await h.service.propose({
      playbook,
      remediation: playbook.remediations[0] as (typeof playbook.remediations)[0],
      incidentId: 'inc-crash',
      requester: 'UREQUESTER',
    });
    if (out.status !== 'created') throw new Error(`not created: ${out.status}`);
    const id = out.proposal.id;
    expect(out.proposal.preview).toBe('Deployment/enrichment replicas 2 → 4');
    await h.service.decide({ proposalId: id, userId: 'UAPPROVER1', decision: 'approve' });

    // The child applied the change and is now waiting for the rollout: kill it there.
    await until(() => kube.callsTo('PATCH', SCALE_PATH).length === 1, 'the child to scale the Deployment');
    await until(
      async () => (await h.service.queue.queue.getJobState(id)) === 'active',
      'the job to be active',
    );
    expect(childOutput).toContain(`active ${id}`);
    proc.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect((await h.service.getProposal(id))?.status).toBe('running');

    // A second worker (this process) finds the stalled job once the dead worker's lock lapses.
    kube.state.stallRollout('Deployment', 'market-data', 'enrichment', false);
    h.service.startWorker({ rerunChecks: async () => [], lockDurationMs: 1000, stalledIntervalMs: 200 });
    await until(
      async () => (await h.service.queue.queue.getJobState(id)) === 'completed',
      'recovery',
      30_000,
    );

    const done = (await h.service.getProposal(id)) as Proposal;
    expect(done.status).toBe('succeeded');
    expect(done.attempts).toBe(2);
    expect(done.result).toMatchObject({
      changed: false,
      summary: 'Deployment/enrichment already at replicas 4',
    });
    expect(done.result?.rollout).toMatch(/rolled out/);
    expect(kube.callsTo('PATCH', SCALE_PATH)).toHaveLength(1);
    expect(kube.state.get('Deployment', 'market-data', 'enrichment')?.spec?.replicas).toBe(4);

    const trail = await h.service.audit.readTrail({ proposal: id });
    expect(trail.map((e) => e.event)).toEqual([
      'proposal.created',
      'proposal.approved',
      'job.started',
      'job.started',
      'job.succeeded',
    ]);
    expect(trail[3]?.details).toMatchObject({ resumed: true });
    expect(await h.service.audit.verifyTrail()).toMatchObject({ ok: true });
    // Two worker processes' start-up and a lock lapse: generous on a loaded two-core machine.
  }, 120_000);
});
