// Guardrails, the pure part: what a change touches (the cooldown's key), and whether its
// resolved parameters stay inside the remediation's bounds. The Redis part — when each target
// last changed, how many changes an incident has had — is guardrail-state.ts.
import { formatDuration, parseDuration } from '../duration.js';
import { parseQuantity } from '../integrations/kubernetes/quantity.js';
import type { ActionKind, WorkloadRef } from '../playbooks/kinds.js';
import type { GuardrailBounds, Guardrails } from '../playbooks/schema.js';
import type { GuardrailBlock, ProposalGuardrails } from './proposal.js';

type Params = Record<string, unknown>;

const workloadKey = (namespace: string, ref: unknown) => {
  const w = ref as WorkloadRef;
  return `${namespace}/${w.kind}/${w.name}`;
};

/**
 * What a change touches, as cooldown keys: `<namespace>/<Kind>/<name>` for Kubernetes objects
 * (a ConfigMap edit with a restart touches both), `kafka/topic/<name>` for a topic. Names were
 * validated by the action's parameter schema, so they are safe in Redis key names.
 */
export function targetsOf(action: ActionKind, params: Params, namespace: string): string[] {
  switch (action) {
    case 'kubernetes.scale':
    case 'kubernetes.restart':
    case 'kubernetes.resources':
      return [workloadKey(namespace, params.workload)];
    case 'kubernetes.configmap.set':
      return [
        `${namespace}/ConfigMap/${String(params.configMap)}`,
        ...(params.restart ? [workloadKey(namespace, params.restart)] : []),
      ];
    case 'kafka.partitions':
      return [`kafka/topic/${String(params.topic)}`];
  }
}

/** "Deployment/enrichment in market-data", "topic market-data". */
export function describeTarget(target: string): string {
  const parts = target.split('/');
  if (parts[0] === 'kafka') return `topic ${parts.slice(2).join('/')}`;
  return `${parts[1]}/${parts.slice(2).join('/')} in ${parts[0]}`;
}

/** The proposal's copy of the remediation's guardrails, which the worker enforces again. */
export function proposalGuardrails(
  g: Guardrails,
  targets: string[],
  overrideBy?: string,
): ProposalGuardrails {
  return {
    targets,
    cooldownMs: parseDuration(g.cooldown) ?? 0,
    maxChangesPerIncident: g.maxChangesPerIncident,
    ...(overrideBy ? { overrideCooldown: { by: overrideBy } } : {}),
  };
}

const within = (n: number, r: { min?: number | undefined; max?: number | undefined }) =>
  (r.min === undefined || n >= r.min) && (r.max === undefined || n <= r.max);
const show = (r: { min?: number | undefined; max?: number | undefined }) =>
  `${r.min ?? '−∞'}..${r.max ?? '∞'}`;

const BATCH_SIZE = /(^|\.)batch[_-]?size$/i;

/** Every bound the resolved params break, each with its reason (empty: within bounds). */
export function boundsViolations(
  action: ActionKind,
  params: Params,
  bounds: GuardrailBounds,
): GuardrailBlock[] {
  const out: string[] = [];
  if (action === 'kubernetes.scale' && typeof params.replicas === 'number') {
    if (!within(params.replicas, bounds.replicas)) {
      out.push(`replicas ${params.replicas} is outside the allowed ${show(bounds.replicas)}`);
    }
  }
  if (action === 'kubernetes.resources') {
    for (const bound of ['requests', 'limits'] as const) {
      const list = (params[bound] ?? {}) as { cpu?: string; memory?: string };
      for (const resource of ['cpu', 'memory'] as const) {
        const value = list[resource];
        const ceiling = bounds[resource];
        if (value === undefined) continue;
        if ((parseQuantity(value) ?? 0) > (parseQuantity(ceiling) ?? Number.POSITIVE_INFINITY)) {
          const what = bound === 'limits' ? 'limit' : 'request';
          out.push(`${resource} ${what} ${value} is above the ceiling ${ceiling}`);
        }
      }
    }
  }
  if (action === 'kubernetes.configmap.set' && typeof params.value === 'number') {
    const path = String(params.path);
    const range = BATCH_SIZE.test(path) ? bounds.batchSize : bounds.value;
    if (range && !within(params.value, range)) {
      out.push(`${path} ${params.value} is outside the allowed ${show(range)}`);
    }
  }
  return out.map((reason) => ({ guardrail: 'bounds', reason: `bounds: ${reason}` }));
}

export function cooldownReason(input: {
  target: string;
  proposal: string;
  atMs: number;
  cooldownMs: number;
  nowMs: number;
}): string {
  const until = new Date(input.atMs + input.cooldownMs).toISOString();
  return `cooldown: ${describeTarget(input.target)} was changed ${formatDuration(input.nowMs - input.atMs)} ago by ${input.proposal} (cooldown ${formatDuration(input.cooldownMs)}, next change from ${until}); approvers may override with --override-cooldown, which needs one more approval`;
}

export function maxChangesReason(incidentId: string, changes: readonly string[], max: number): string {
  return `max changes per incident: ${incidentId} has had ${changes.length} change(s) already (${changes.join(', ')}; at most ${max})`;
}
