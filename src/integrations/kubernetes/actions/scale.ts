// Scale a Deployment or StatefulSet through its scale subresource (what `kubectl scale` does;
// `clickhouse-0` is a StatefulSet pod, so ClickHouse is scaled as a StatefulSet). The plan turns
// `by: +2` into absolute replicas, so an approved proposal applies exactly what was shown and a
// retried job cannot add two more.
import { GuardViolationError, InvalidInputError } from '../../../errors.js';
import type { ActionParams } from '../../../playbooks/kinds.js';
import type { ActionDefinition } from '../../../remediation/types.js';
import type { KubernetesPort } from '../port.js';
import { waitForWorkloadRollout } from './rollout.js';

type Params = ActionParams<'kubernetes.scale'>;

function guard(p: Params, replicas: number): void {
  const id = `${p.workload.kind}/${p.workload.name}`;
  if (replicas < p.min || replicas > p.max) {
    throw new GuardViolationError(
      `${id}: replicas ${replicas} is outside the guard rails ${p.min}..${p.max}`,
    );
  }
}

export const scale: ActionDefinition<'kubernetes.scale', KubernetesPort> = {
  kind: 'kubernetes.scale',
  backend: 'kubernetes',

  async plan(ctx, port) {
    const p = ctx.params;
    const current = await port.readScale(ctx.namespace, p.workload, ctx.signal);
    const target = p.replicas ?? current + (p.by ?? 0);
    guard(p, target);
    const { by: _by, ...rest } = p;
    const id = `${p.workload.kind}/${p.workload.name}`;
    return {
      params: { ...rest, replicas: target },
      preview:
        target === current ? `${id} already at replicas ${current}` : `${id} replicas ${current} → ${target}`,
      before: { replicas: current },
      after: { replicas: target },
      noop: target === current,
    };
  },

  async execute(ctx, port) {
    const p = ctx.params;
    // Only absolute replicas are idempotent; `by` must have been resolved by plan().
    if (p.replicas === undefined) {
      throw new InvalidInputError('params.replicas', 'kubernetes.scale executes resolved replicas, not `by`');
    }
    guard(p, p.replicas);
    const id = `${p.workload.kind}/${p.workload.name}`;
    const current = await port.readScale(ctx.namespace, p.workload, ctx.signal);
    if (current === p.replicas) {
      return {
        summary: `${id} already at replicas ${current}`,
        changed: false,
        details: { replicas: current },
      };
    }
    const now = await port.patchScale(ctx.namespace, p.workload, p.replicas, ctx.signal);
    ctx.log.info({ workload: id, namespace: ctx.namespace, from: current, to: now }, 'scaled workload');
    return {
      summary: `${id} replicas ${current} → ${now}`,
      changed: true,
      details: { from: current, to: now },
    };
  },

  waitForRollout(ctx, port) {
    return waitForWorkloadRollout(port, ctx.namespace, ctx.params.workload, ctx.signal);
  },
};
