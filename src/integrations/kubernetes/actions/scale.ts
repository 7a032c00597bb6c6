// Scale a Deployment or StatefulSet through its scale subresource (what `kubectl scale` does;
// `clickhouse-0` is a StatefulSet pod, so ClickHouse is scaled as a StatefulSet). The plan turns
// `by: +2` into absolute replicas, so an approved proposal applies exactly what was shown and a
// retried job cannot add two more.
import { GuardViolationError, InvalidInputError } from '../../../errors.js';
import type { ActionParams } from '../../../playbooks/kinds.js';
import type { ActionDefinition, RestoreSpec, StateSnapshot } from '../../../remediation/types.js';
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

const workloadId = (p: Params) => `${p.workload.kind}/${p.workload.name}`;
const snapshot = (p: Params, replicas: number): StateSnapshot => ({
  target: workloadId(p),
  values: { replicas },
});

/**
 * A revert goes ahead only while the replicas are still what the fix set. The Deployment's
 * resourceVersion is no use here: status updates bump it all the time.
 */
async function revertCheck(
  port: KubernetesPort,
  namespace: string,
  p: Params,
  spec: RestoreSpec,
  signal: AbortSignal,
) {
  const current = await port.readScale(namespace, p.workload, signal);
  const was = Number(spec.prior.values.replicas);
  const fixed = Number(spec.expected.values.replicas);
  if (current !== fixed && current !== was) {
    throw new GuardViolationError(
      `${workloadId(p)} has ${current} replicas now, not the ${fixed} that ${spec.of} set: it was scaled since (by hand or by an autoscaler), so reverting would undo that change too; nothing reverted`,
    );
  }
  return { current, was };
}

export const scale: ActionDefinition<'kubernetes.scale', KubernetesPort> = {
  kind: 'kubernetes.scale',
  backend: 'kubernetes',
  undo: { supported: true },

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
        after: snapshot(p, current),
      };
    }
    const now = await port.patchScale(ctx.namespace, p.workload, p.replicas, ctx.signal);
    ctx.log.info({ workload: id, namespace: ctx.namespace, from: current, to: now }, 'scaled workload');
    return {
      summary: `${id} replicas ${current} → ${now}`,
      changed: true,
      details: { from: current, to: now },
      after: snapshot(p, now),
    };
  },

  async capture(ctx, port) {
    return snapshot(ctx.params, await port.readScale(ctx.namespace, ctx.params.workload, ctx.signal));
  },

  async planRevert(ctx, port, spec) {
    const p = ctx.params;
    const { current, was } = await revertCheck(port, ctx.namespace, p, spec, ctx.signal);
    return {
      params: p,
      preview:
        current === was
          ? `${workloadId(p)} already back at replicas ${was}`
          : `${workloadId(p)} replicas ${current} → ${was} (revert of ${spec.of})`,
      before: { replicas: current },
      after: { replicas: was },
      noop: current === was,
    };
  },

  async restore(ctx, port, spec) {
    const p = ctx.params;
    const { current, was } = await revertCheck(port, ctx.namespace, p, spec, ctx.signal);
    if (current === was) {
      return {
        summary: `${workloadId(p)} already at replicas ${was}`,
        changed: false,
        after: snapshot(p, was),
      };
    }
    const now = await port.patchScale(ctx.namespace, p.workload, was, ctx.signal);
    ctx.log.info(
      { workload: workloadId(p), namespace: ctx.namespace, from: current, to: now },
      'scale reverted',
    );
    return {
      summary: `${workloadId(p)} replicas ${current} → ${now} (reverted ${spec.of})`,
      changed: true,
      details: { from: current, to: now },
      after: snapshot(p, now),
    };
  },

  waitForRollout(ctx, port) {
    return waitForWorkloadRollout(port, ctx.namespace, ctx.params.workload, ctx.signal);
  },
};
