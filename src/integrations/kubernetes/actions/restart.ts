// Rollout restart, as `kubectl rollout restart` does it (there is no `kubectl restart
// deployment`): a strategic-merge patch of the pod template's restartedAt annotation. The same
// patch stamps the proposal ID, so a retried job sees its own restart and does not restart again.
import type { ActionDefinition } from '../../../remediation/types.js';
import type { KubernetesPort, WorkloadRef } from '../port.js';
import { waitForWorkloadRollout } from './rollout.js';

export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';
export const RESTART_ID = 'perfbot.io/restart-id';

export interface RestartOutcome {
  changed: boolean;
  summary: string;
}

/** Restarts `ref` unless its pod template already carries `proposalId`. */
export async function rolloutRestart(
  port: KubernetesPort,
  namespace: string,
  ref: WorkloadRef,
  proposalId: string,
  now: Date,
  signal: AbortSignal,
): Promise<RestartOutcome> {
  const id = `${ref.kind}/${ref.name}`;
  const current = await port.readWorkload(namespace, ref, signal);
  if (current.templateAnnotations[RESTART_ID] === proposalId) {
    return { changed: false, summary: `${id} already restarted for proposal ${proposalId}` };
  }
  const annotations = { [RESTARTED_AT]: now.toISOString(), [RESTART_ID]: proposalId };
  await port.patchWorkload(
    namespace,
    ref,
    { spec: { template: { metadata: { annotations } } } },
    'strategic',
    signal,
  );
  return { changed: true, summary: `${id} rollout restart started` };
}

export const restart: ActionDefinition<'kubernetes.restart', KubernetesPort> = {
  kind: 'kubernetes.restart',
  backend: 'kubernetes',
  undo: {
    supported: false,
    reason: 'a rollout restart replaces the pods; there is no earlier state to restore',
  },

  async plan(ctx, port) {
    const ref = ctx.params.workload;
    const w = await port.readWorkload(ctx.namespace, ref, ctx.signal);
    return {
      params: ctx.params,
      preview: `rollout restart ${ref.kind}/${ref.name} (${w.replicas} pod(s), one by one)`,
      before: { restartedAt: w.templateAnnotations[RESTARTED_AT] ?? null },
      noop: false,
    };
  },

  async execute(ctx, port, proposalId) {
    const ref = ctx.params.workload;
    const outcome = await rolloutRestart(port, ctx.namespace, ref, proposalId, ctx.now(), ctx.signal);
    if (outcome.changed) {
      ctx.log.info(
        { workload: `${ref.kind}/${ref.name}`, namespace: ctx.namespace, proposalId },
        'rollout restart',
      );
    }
    return { summary: outcome.summary, changed: outcome.changed };
  },

  waitForRollout(ctx, port) {
    return waitForWorkloadRollout(port, ctx.namespace, ctx.params.workload, ctx.signal);
  },
};
