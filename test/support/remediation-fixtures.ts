// Shared pieces of the remediation tests: a hand-written Fake of a workload-scaling port with a
// call log, a `kubernetes.scale` action over it, a playbook, and a RemediationService on the
// test Redis under a fresh key prefix.
import type { Redis } from 'ioredis';
import type { CheckResult } from '../../src/diagnostics/types.js';
import { GuardViolationError, UpstreamError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { Playbook } from '../../src/playbooks/schema.js';
import type { RemediationEvent } from '../../src/remediation/events.js';
import type { Proposal } from '../../src/remediation/proposal.js';
import { RemediationService, type RemediationServiceOptions } from '../../src/remediation/service.js';
import type { ActionDefinition } from '../../src/remediation/types.js';
import { testRedis } from './redis.js';

/** In-memory replicas per workload; every write is logged, failures can be queued. */
export class FakeWorkloads {
  readonly replicas = new Map<string, number>();
  readonly patches: { workload: string; from: number; to: number }[] = [];
  /** Errors thrown by the next patches, in order. */
  readonly failures: Error[] = [];
  /** When set, waitForRollout waits for it (to hold a job mid-run). */
  rolloutGate: Promise<void> | undefined;

  constructor(initial: Record<string, number>) {
    for (const [k, v] of Object.entries(initial)) this.replicas.set(k, v);
  }

  read(workload: string): number {
    const n = this.replicas.get(workload);
    if (n === undefined) throw new UpstreamError('kubernetes', `${workload} not found`, { status: 404 });
    return n;
  }

  patch(workload: string, to: number): void {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.patches.push({ workload, from: this.read(workload), to });
    this.replicas.set(workload, to);
  }
}

export const fakeScale: ActionDefinition<'kubernetes.scale', FakeWorkloads> = {
  kind: 'kubernetes.scale',
  backend: 'kubernetes',
  async plan(ctx, port) {
    const id = `${ctx.params.workload.kind}/${ctx.params.workload.name}`;
    const current = port.read(id);
    const target = ctx.params.replicas ?? current + (ctx.params.by ?? 0);
    if (target > ctx.params.max || target < ctx.params.min) {
      throw new GuardViolationError(`${id}: replicas ${target} outside ${ctx.params.min}..${ctx.params.max}`);
    }
    const { by: _by, ...rest } = ctx.params;
    return {
      params: { ...rest, replicas: target },
      preview: `${id} replicas ${current} → ${target}`,
      noop: current === target,
    };
  },
  async execute(ctx, port) {
    const id = `${ctx.params.workload.kind}/${ctx.params.workload.name}`;
    const target = ctx.params.replicas as number;
    if (target > ctx.params.max)
      throw new GuardViolationError(`${id}: replicas ${target} above ${ctx.params.max}`);
    const current = port.read(id);
    if (current === target) return { summary: `${id} already at replicas ${target}`, changed: false };
    port.patch(id, target);
    return { summary: `${id} replicas ${current} → ${target}`, changed: true };
  },
  async waitForRollout(ctx, port) {
    await port.rolloutGate;
    return `${ctx.params.workload.kind}/${ctx.params.workload.name} rolled out`;
  },
};

export function testPlaybook(
  overrides: Record<string, unknown> = {},
  remediation: Record<string, unknown> = {},
) {
  return Playbook.parse({
    id: 'pipeline',
    title: 'Pipeline',
    target: { namespace: 'market-data' },
    checks: [
      { id: 'cpu', kind: 'prometheus.query', title: 'CPU', params: { query: 'up' } },
      { id: 'lag', kind: 'prometheus.query', title: 'Lag', params: { query: 'up' } },
    ],
    remediations: [
      {
        id: 'scale-enrichment',
        title: 'Scale enrichment',
        action: 'kubernetes.scale',
        params: { workload: { kind: 'Deployment', name: 'enrichment' }, by: 2, max: 8 },
        ...remediation,
      },
    ],
    ...overrides,
  });
}

export interface Harness {
  service: RemediationService;
  /** The service's request client (incident stores in the same test share it). */
  redis: Redis;
  port: FakeWorkloads;
  prefix: string;
  url: string;
  events: RemediationEvent[];
  close(): Promise<void>;
}

export function remediationHarness(options: Partial<RemediationServiceOptions> = {}): Harness {
  const { redis, url, prefix } = testRedis();
  const port = new FakeWorkloads({ 'Deployment/enrichment': 2 });
  const service = new RemediationService({
    redis,
    redisUrl: url,
    prefix,
    config: { approvers: ['UAPPROVER1', 'UAPPROVER2', 'SGROUP1'], dryRun: false, verifyAfterMs: 60_000 },
    backends: { kubernetes: port },
    actions: { 'kubernetes.scale': fakeScale },
    log: silentLogger,
    attempts: 3,
    backoffMs: 20,
    ...options,
  });
  const events: RemediationEvent[] = [];
  service.events.on((e) => events.push(e));
  return {
    service,
    redis,
    port,
    prefix,
    url,
    events,
    close: async () => {
      await service.close();
      redis.disconnect();
    },
  };
}

/** Resolves when `predicate` holds, polling; rejects after `ms` with `what`. */
export async function until(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  ms = 15_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A proposal of `testPlaybook(overrides, remediation)`'s fix, made from a CPU-bound diagnosis and
 * approved by UAPPROVER1: the start of every worker test.
 */
export async function approvedProposal(
  h: Harness,
  o: { incidentId?: string; remediation?: Record<string, unknown>; overrides?: Record<string, unknown> } = {},
): Promise<Proposal> {
  const playbook = testPlaybook(o.overrides, o.remediation);
  const outcome = await h.service.proposeFromDiagnosis({
    playbook,
    incidentId: o.incidentId ?? 'inc-7',
    requester: 'UREQUESTER',
    diagnosis: {
      bottlenecks: [
        {
          id: 'cpu-bound',
          name: 'CPU',
          summary: 'cpu high',
          evidenceChecks: ['cpu'],
          remediations: playbook.remediations,
          advice: [],
        },
      ],
      remediations: playbook.remediations,
      advice: [],
    },
  });
  const p = outcome[0]?.outcome;
  if (p?.status !== 'created') throw new Error(`not created: ${JSON.stringify(outcome)}`);
  const d = await h.service.decide({ proposalId: p.proposal.id, userId: 'UAPPROVER1', decision: 'approve' });
  if (!d.ok || d.result !== 'approved') throw new Error(`not approved: ${JSON.stringify(d)}`);
  return p.proposal;
}

/** The run job has left BullMQ's hands for good (completed, or failed without retry left). */
export const jobFinished = (h: Harness, id: string) => async () => {
  const state = await h.service.queue.queue.getJobState(id);
  return state === 'completed' || state === 'failed';
};

/** A verification's re-run of the checks that finds consumer lag back to normal (40 messages). */
export const lagRecovered = async (): Promise<CheckResult[]> => [
  {
    checkId: 'lag',
    kind: 'prometheus.query',
    title: 'Consumer lag',
    status: 'ok',
    value: 40,
    summary: 'Consumer lag 40 messages',
    durationMs: 1,
  },
];
