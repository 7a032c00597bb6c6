// Set a container's CPU/memory requests and limits with a strategic-merge patch (containers merge
// by name, so the other containers and fields are untouched). Changing the pod template starts a
// rollout. Quantities compare by value: "1" and "1000m" are the same CPU.
import { GuardViolationError, InvalidInputError } from '../../../errors.js';
import type { ActionParams } from '../../../playbooks/kinds.js';
import type { ActionDefinition } from '../../../remediation/types.js';
import type { ContainerSpec, KubernetesPort, ResourceList } from '../port.js';
import { parseQuantity } from '../quantity.js';
import {
  findContainer as container,
  planResourcesRevert,
  resourcesSnapshot,
  restoreResources,
} from './resources-undo.js';
import { waitForWorkloadRollout } from './rollout.js';

type Params = ActionParams<'kubernetes.resources'>;
type Bound = 'requests' | 'limits';
const RESOURCES = ['cpu', 'memory'] as const;
const BOUNDS: Bound[] = ['limits', 'requests'];

interface Change {
  resource: (typeof RESOURCES)[number];
  bound: Bound;
  from: string | undefined;
  to: string;
}

function changes(current: ContainerSpec, p: Params): Change[] {
  const out: Change[] = [];
  for (const bound of BOUNDS) {
    for (const resource of RESOURCES) {
      const to = p[bound]?.[resource];
      if (to === undefined) continue;
      const from = current[bound][resource];
      if (from !== undefined && parseQuantity(from) === parseQuantity(to)) continue;
      out.push({ resource, bound, from, to });
    }
  }
  return out;
}

/** A request above its limit is rejected by the API server; refuse it before approval instead. */
function guard(current: ContainerSpec, p: Params): { requests: ResourceList; limits: ResourceList } {
  const after = {
    requests: { ...current.requests, ...p.requests },
    limits: { ...current.limits, ...p.limits },
  };
  for (const r of RESOURCES) {
    const req = parseQuantity(after.requests[r]);
    const lim = parseQuantity(after.limits[r]);
    if (req !== undefined && lim !== undefined && req > lim) {
      throw new GuardViolationError(
        `container ${p.container}: ${r} request ${after.requests[r]} would exceed its limit ${after.limits[r]}`,
      );
    }
  }
  return after;
}

function describe(list: Change[]): string {
  return list
    .map(
      (c) => `${c.resource} ${c.bound === 'limits' ? 'limit' : 'request'} ${c.from ?? '(unset)'} → ${c.to}`,
    )
    .join(', ');
}

function requireSomething(p: Params): void {
  if (!p.requests && !p.limits) throw new InvalidInputError('params', 'set requests or limits (or both)');
}

export const resources: ActionDefinition<'kubernetes.resources', KubernetesPort> = {
  kind: 'kubernetes.resources',
  backend: 'kubernetes',
  undo: { supported: true },

  async plan(ctx, port) {
    const p = ctx.params;
    requireSomething(p);
    const c = container(await port.readWorkload(ctx.namespace, p.workload, ctx.signal), p);
    const after = guard(c, p);
    const list = changes(c, p);
    const id = `${p.workload.kind}/${p.workload.name} container ${p.container}`;
    return {
      params: p,
      preview: list.length === 0 ? `${id}: resources already as requested` : `${id}: ${describe(list)}`,
      before: { requests: c.requests, limits: c.limits },
      after,
      noop: list.length === 0,
    };
  },

  async execute(ctx, port) {
    const p = ctx.params;
    requireSomething(p);
    const c = container(await port.readWorkload(ctx.namespace, p.workload, ctx.signal), p);
    guard(c, p);
    const list = changes(c, p);
    const id = `${p.workload.kind}/${p.workload.name} container ${p.container}`;
    if (list.length === 0) {
      return {
        summary: `${id}: resources already as requested`,
        changed: false,
        after: resourcesSnapshot(p, c),
      };
    }
    const resourcesPatch: { requests?: ResourceList; limits?: ResourceList } = {};
    if (p.requests) resourcesPatch.requests = p.requests;
    if (p.limits) resourcesPatch.limits = p.limits;
    const patch = {
      spec: { template: { spec: { containers: [{ name: p.container, resources: resourcesPatch }] } } },
    };
    const written = await port.patchWorkload(ctx.namespace, p.workload, patch, 'strategic', ctx.signal);
    ctx.log.info(
      { workload: id, namespace: ctx.namespace, changes: describe(list) },
      'set container resources',
    );
    return {
      summary: `${id}: ${describe(list)}`,
      changed: true,
      details: { changes: list },
      after: resourcesSnapshot(p, container(written, p)),
    };
  },

  waitForRollout(ctx, port) {
    return waitForWorkloadRollout(port, ctx.namespace, ctx.params.workload, ctx.signal);
  },

  async capture(ctx, port) {
    const p = ctx.params;
    return resourcesSnapshot(p, container(await port.readWorkload(ctx.namespace, p.workload, ctx.signal), p));
  },

  planRevert: planResourcesRevert,
  restore: restoreResources,
};
