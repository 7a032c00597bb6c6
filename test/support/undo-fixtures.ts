// The undo and guardrail tests' world: the Kubernetes fake (its request log is the evidence),
// the real adapter and actions, a RemediationService with its worker on the test Redis (real
// BullMQ), and a playbook with one remediation per action kind on namespace market-data.
import { createKubernetesClient, type KubernetesPort } from '../../src/integrations/kubernetes/index.js';
import { createRegistry } from '../../src/integrations/registry.js';
import { Playbook, type Remediation } from '../../src/playbooks/schema.js';
import type { Proposal } from '../../src/remediation/proposal.js';
import type { ProposeOutcome } from '../../src/remediation/proposals.js';
import { FakeKafka } from '../fakes/kafka.js';
import { configMap, deployment, type FakeKubernetes, startFakeKubernetes } from '../fakes/kubernetes.js';
import { type Harness, remediationHarness, until } from './remediation-fixtures.js';

export const NS = 'market-data';
export const CONFIG_YAML = `# connector settings (comments must survive a revert)
sentinel:
  batch_size: 1000 # rows per request
aws:
  batch_size: 1000
`;
export const APP_RESOURCES = { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '1' } };

export function undoPlaybook(
  extra: Record<string, unknown> = {},
  remediations: Record<string, unknown>[] = [],
) {
  return Playbook.parse({
    id: 'pipeline',
    title: 'Pipeline',
    target: { namespace: NS },
    checks: [{ id: 'lag', kind: 'prometheus.query', title: 'Lag', params: { query: 'up' } }],
    remediations: [
      {
        id: 'scale-enrichment',
        title: 'Scale enrichment',
        action: 'kubernetes.scale',
        params: { workload: { kind: 'Deployment', name: 'enrichment' }, by: 2, max: 8 },
      },
      {
        id: 'smaller-batches',
        title: 'Smaller Sentinel batches',
        action: 'kubernetes.configmap.set',
        params: {
          configMap: 'connector-config',
          key: 'config.yaml',
          path: 'sentinel.batch_size',
          value: 500,
          restart: { kind: 'Deployment', name: 'connector' },
        },
      },
      {
        id: 'more-cpu',
        title: 'More CPU for enrichment',
        action: 'kubernetes.resources',
        params: {
          workload: { kind: 'Deployment', name: 'enrichment' },
          container: 'app',
          requests: { cpu: '1000m' },
          limits: { cpu: '2000m', memory: '2Gi' },
        },
      },
      {
        id: 'more-partitions',
        title: 'More partitions',
        action: 'kafka.partitions',
        params: { topic: 'market-data', partitions: 12 },
        approval: { required: 1 },
      },
      ...remediations,
    ],
    ...extra,
  });
}

export interface UndoWorld {
  h: Harness;
  kube: FakeKubernetes;
  port: KubernetesPort;
  kafka: FakeKafka;
  playbook: ReturnType<typeof undoPlaybook>;
  remediation(id: string): Remediation;
  propose(
    id: string,
    options?: { incidentId?: string; requester?: string; overrideCooldown?: boolean },
  ): Promise<ProposeOutcome>;
  /** Approves with UAPPROVER1 and waits for the run job to finish; returns the proposal. */
  approveAndRun(id: string, by?: string): Promise<Proposal>;
  close(): Promise<void>;
}

export async function undoWorld(playbook = undoPlaybook()): Promise<UndoWorld> {
  const kube = await startFakeKubernetes({
    rolloutPolls: 1,
    objects: [
      deployment({
        namespace: NS,
        name: 'enrichment',
        replicas: 2,
        containers: [
          { name: 'app', ...APP_RESOURCES },
          { name: 'sidecar', limits: { cpu: '100m' } },
        ],
      }),
      deployment({ namespace: NS, name: 'connector', replicas: 1 }),
      configMap({
        namespace: NS,
        name: 'connector-config',
        data: { 'config.yaml': CONFIG_YAML, other: 'x' },
      }),
    ],
  });
  const port = createKubernetesClient(kube.kubeConfig());
  const kafka = new FakeKafka().setTopic('market-data', 6);
  const h = remediationHarness({
    config: { approvers: ['UAPPROVER1', 'UAPPROVER2'], dryRun: false, verifyAfterMs: 3_600_000 },
    backends: { kubernetes: port, kafka },
    actions: createRegistry(),
  });
  h.service.startWorker({ rerunChecks: async () => [], rolloutTimeoutMs: 20_000 });
  const remediation = (id: string) => {
    const r = playbook.remediations.find((x) => x.id === id);
    if (!r) throw new Error(`no remediation ${id}`);
    return r;
  };
  return {
    h,
    kube,
    port,
    kafka,
    playbook,
    remediation,
    propose: (id, options = {}) =>
      h.service.propose({
        playbook,
        remediation: remediation(id),
        incidentId: options.incidentId ?? 'inc-undo',
        requester: options.requester ?? 'UREQUESTER',
        overrideCooldown: options.overrideCooldown,
      }),
    async approveAndRun(id, by = 'UAPPROVER1') {
      const d = await h.service.decide({ proposalId: id, userId: by, decision: 'approve' });
      if (!d.ok) throw new Error(`not approved: ${d.text}`);
      if (d.result !== 'approved') return d.proposal;
      await until(
        async () => {
          const state = await h.service.queue.queue.getJobState(id);
          return state === 'completed' || state === 'failed';
        },
        `the run job of ${id} to finish`,
        30_000,
      );
      return (await h.service.getProposal(id)) as Proposal;
    },
    async close() {
      await h.close();
      await kube.close();
    },
  };
}

/** The proposal of an outcome that must have created one. */
export function created(outcome: ProposeOutcome | { status: string; proposal?: Proposal }): Proposal {
  if (outcome.status !== 'created' || !('proposal' in outcome) || !outcome.proposal) {
    throw new Error(`expected a created proposal, got ${JSON.stringify(outcome)}`);
  }
  return outcome.proposal;
}
