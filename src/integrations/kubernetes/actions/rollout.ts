// Rollout status as `kubectl rollout status` judges it, and a bounded wait for it. The wait polls
// with a growing interval and ends when the caller's signal aborts (the job's deadline).
import { setTimeout as sleep } from 'node:timers/promises';
import { TimeoutError } from '../../../errors.js';
import type { KubernetesPort, WorkloadInfo, WorkloadRef } from '../port.js';

export interface RolloutStatus {
  done: boolean;
  line: string;
}

export function rolloutStatus(w: WorkloadInfo): RolloutStatus {
  const s = w.status;
  const id = `${w.kind}/${w.name}`;
  const counts = `${s.updatedReplicas}/${w.replicas} updated, ${s.readyReplicas}/${w.replicas} ready`;
  if (s.observedGeneration < w.generation) {
    return { done: false, line: `${id}: waiting for the controller to observe generation ${w.generation}` };
  }
  if (s.updatedReplicas < w.replicas) return { done: false, line: `${id}: rolling out, ${counts}` };
  if (w.kind === 'Deployment') {
    if (s.replicas > s.updatedReplicas) {
      return {
        done: false,
        line: `${id}: ${s.replicas - s.updatedReplicas} old replica(s) terminating, ${counts}`,
      };
    }
    if (s.availableReplicas < s.updatedReplicas)
      return { done: false, line: `${id}: waiting for pods, ${counts}` };
  } else {
    if (s.readyReplicas < w.replicas) return { done: false, line: `${id}: waiting for pods, ${counts}` };
    if (s.updateRevision && s.currentRevision !== s.updateRevision) {
      return { done: false, line: `${id}: waiting for revision ${s.updateRevision}, ${counts}` };
    }
  }
  return { done: true, line: `${id} rolled out: ${counts}` };
}

export interface WaitOptions {
  /** First poll interval; doubles up to maxIntervalMs. */
  intervalMs?: number;
  maxIntervalMs?: number;
}

export async function waitForWorkloadRollout(
  port: KubernetesPort,
  namespace: string,
  ref: WorkloadRef,
  signal: AbortSignal,
  options: WaitOptions = {},
): Promise<string> {
  const started = Date.now();
  let interval = options.intervalMs ?? 250;
  const maxInterval = options.maxIntervalMs ?? 5000;
  for (;;) {
    const status = rolloutStatus(await port.readWorkload(namespace, ref, signal));
    if (status.done) return status.line;
    try {
      await sleep(interval, undefined, { signal });
    } catch {
      // Aborted (the job's deadline): say how far the rollout got, so the thread shows where it stuck.
      throw new TimeoutError(`waiting for rollout (${status.line})`, Date.now() - started);
    }
    interval = Math.min(interval * 2, maxInterval);
  }
}
