// Undo of kubernetes.resources. The prior state is the container's requests and limits as a
// whole; a revert puts back exactly those (a request or limit the fix added is removed again,
// with `null` in the strategic-merge patch) while the container still has what the fix set.
// Quantities compare by value ("1" and "1000m" are one CPU: the API server may rewrite them).
import { GuardViolationError, InvalidInputError } from '../../../errors.js';
import type { ActionParams } from '../../../playbooks/kinds.js';
import type { ActionContext, ActionResult, RestoreSpec, StateSnapshot } from '../../../remediation/types.js';
import type { ContainerSpec, KubernetesPort, ResourceList, WorkloadInfo } from '../port.js';
import { parseQuantity } from '../quantity.js';

type Params = ActionParams<'kubernetes.resources'>;
type Ctx = ActionContext<'kubernetes.resources'>;
type Bound = 'requests' | 'limits';
const BOUNDS: Bound[] = ['requests', 'limits'];
const RESOURCES = ['cpu', 'memory'] as const;

export const containerId = (p: Params) => `${p.workload.kind}/${p.workload.name} container ${p.container}`;

export function findContainer(w: WorkloadInfo, p: Params): ContainerSpec {
  const c = w.containers.find((x) => x.name === p.container);
  if (!c) {
    const names = w.containers.map((x) => x.name).join(', ');
    throw new InvalidInputError(
      'params.container',
      `${w.kind}/${w.name} has no container ${p.container} (${names})`,
    );
  }
  return c;
}

export function resourcesSnapshot(p: Params, c: ContainerSpec): StateSnapshot {
  return { target: containerId(p), values: { requests: { ...c.requests }, limits: { ...c.limits } } };
}

const list = (values: Record<string, unknown>, bound: Bound) => (values[bound] ?? {}) as ResourceList;

/** Each difference between two states, as "cpu limit 2 → 1" ("(unset)" for an absent one). */
function differences(from: Record<string, unknown>, to: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const bound of BOUNDS) {
    for (const r of RESOURCES) {
      const a = list(from, bound)[r];
      const b = list(to, bound)[r];
      if (parseQuantity(a) === parseQuantity(b)) continue;
      out.push(`${r} ${bound === 'limits' ? 'limit' : 'request'} ${a ?? '(unset)'} → ${b ?? '(unset)'}`);
    }
  }
  return out;
}

async function revertCheck(ctx: Ctx, port: KubernetesPort, spec: RestoreSpec) {
  const p = ctx.params;
  const c = findContainer(await port.readWorkload(ctx.namespace, p.workload, ctx.signal), p);
  const current = resourcesSnapshot(p, c).values;
  const restored = differences(current, spec.prior.values).length === 0;
  const drift = differences(spec.expected.values, current);
  if (!restored && drift.length > 0) {
    throw new GuardViolationError(
      `${containerId(p)} changed since ${spec.of} (${drift.join(', ')} since it ran); reverting would overwrite that change, so nothing was reverted`,
    );
  }
  return { current, restored };
}

export async function planResourcesRevert(ctx: Ctx, port: KubernetesPort, spec: RestoreSpec) {
  const { current, restored } = await revertCheck(ctx, port, spec);
  const id = containerId(ctx.params);
  return {
    params: ctx.params,
    preview: restored
      ? `${id}: resources already as before ${spec.of}`
      : `${id}: ${differences(current, spec.prior.values).join(', ')} (revert of ${spec.of})`,
    before: current,
    after: spec.prior.values,
    noop: restored,
  };
}

export async function restoreResources(
  ctx: Ctx,
  port: KubernetesPort,
  spec: RestoreSpec,
): Promise<ActionResult> {
  const p = ctx.params;
  const id = containerId(p);
  const { current, restored } = await revertCheck(ctx, port, spec);
  if (restored) {
    return {
      summary: `${id}: resources already as before ${spec.of}`,
      changed: false,
      after: { target: id, values: current },
    };
  }
  // Every resource either side names: back to its prior quantity, or removed (null) if it had none.
  const resources: Record<Bound, Record<string, string | null>> = { requests: {}, limits: {} };
  for (const bound of BOUNDS) {
    for (const r of RESOURCES) {
      const prior = list(spec.prior.values, bound)[r];
      if (prior !== undefined || list(current, bound)[r] !== undefined) resources[bound][r] = prior ?? null;
    }
  }
  const patch = { spec: { template: { spec: { containers: [{ name: p.container, resources }] } } } };
  const changes = differences(current, spec.prior.values);
  const written = await port.patchWorkload(ctx.namespace, p.workload, patch, 'strategic', ctx.signal);
  ctx.log.info({ workload: id, namespace: ctx.namespace, changes: changes.join(', ') }, 'resources reverted');
  return {
    summary: `${id}: ${changes.join(', ')} (reverted ${spec.of})`,
    changed: true,
    details: { changes },
    after: resourcesSnapshot(p, findContainer(written, p)),
  };
}
