// Restarts, OOMKilled containers and not-ready pods of the selected workload. An OOMKill is
// critical whatever the thresholds say: the container hit its memory limit and lost its work.
import type { CheckDefinition, Measurement } from '../../../diagnostics/types.js';
import type { KubernetesPort, PodInfo } from '../port.js';
import { describeSelector, selectorOf } from './shared.js';

const TOP_ROWS = 10;

function restarts(pods: PodInfo[]): Measurement {
  const rows = pods
    .map((p) => ({
      pod: p.name,
      restarts: p.containerStatuses.reduce((n, s) => n + s.restartCount, 0),
      last: p.containerStatuses.find((s) => s.lastTerminatedReason)?.lastTerminatedReason ?? null,
    }))
    .filter((r) => r.restarts > 0)
    .sort((a, b) => b.restarts - a.restarts);
  const total = rows.reduce((n, r) => n + r.restarts, 0);
  const summary =
    total === 0
      ? `no restarts across ${pods.length} pod(s)`
      : `${total} restart(s) across ${rows.length} of ${pods.length} pod(s); most: ${rows[0]?.pod} (${rows[0]?.restarts})`;
  return { value: total, summary, evidence: { rows: rows.slice(0, TOP_ROWS) } };
}

function oomKilled(pods: PodInfo[]): Measurement {
  const rows = pods.flatMap((p) =>
    p.containerStatuses
      .filter((s) => s.lastTerminatedReason === 'OOMKilled' || s.terminatedReason === 'OOMKilled')
      .map((s) => ({
        pod: p.name,
        container: s.name,
        restarts: s.restartCount,
        finishedAt: s.lastTerminatedAt ?? null,
      })),
  );
  if (rows.length === 0) return { value: 0, summary: `no OOMKilled containers in ${pods.length} pod(s)` };
  const names = rows.slice(0, 5).map((r) => `${r.pod}/${r.container}`);
  return {
    value: rows.length,
    status: 'critical',
    summary: `${rows.length} container(s) OOMKilled: ${names.join(', ')}`,
    evidence: { rows: rows.slice(0, TOP_ROWS) },
  };
}

function notReady(pods: PodInfo[]): Measurement {
  // Completed pods (Jobs, init runs) are not-ready by design.
  const live = pods.filter((p) => p.phase !== 'Succeeded');
  const rows = live
    .filter((p) => !p.ready)
    .map((p) => ({
      pod: p.name,
      phase: p.phase,
      reason:
        p.containerStatuses.find((s) => s.waitingReason)?.waitingReason ??
        p.containerStatuses.find((s) => s.terminatedReason)?.terminatedReason ??
        null,
    }));
  const summary =
    rows.length === 0
      ? `all ${live.length} pod(s) ready`
      : `${rows.length} of ${live.length} pod(s) not ready: ${rows
          .slice(0, 5)
          .map((r) => (r.reason ? `${r.pod} (${r.reason})` : r.pod))
          .join(', ')}`;
  return { value: rows.length, summary, evidence: { rows: rows.slice(0, TOP_ROWS) } };
}

export const podHealth: CheckDefinition<'kubernetes.pod-health', KubernetesPort> = {
  kind: 'kubernetes.pod-health',
  backend: 'kubernetes',
  async run(ctx, port): Promise<Measurement> {
    const selector = selectorOf(ctx);
    const pods = await port.listPods(ctx.namespace, selector, ctx.signal);
    // Nothing to measure is not the same as healthy: report it as unknown.
    if (pods.length === 0) return { summary: `no pods match ${describeSelector(ctx.namespace, selector)}` };
    switch (ctx.params.measure) {
      case 'restarts':
        return restarts(pods);
      case 'oomkilled':
        return oomKilled(pods);
      case 'not-ready':
        return notReady(pods);
    }
  },
};
