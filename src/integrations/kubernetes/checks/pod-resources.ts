// CPU or memory usage (metrics.k8s.io) as a fraction of each container's requests or limits —
// what `kubectl top pods --containers` plus `kubectl describe pod | grep Limits` show by hand.
// The value is the worst pod's ratio (its worst container), since one container at its memory
// limit is OOM-killed however idle its neighbours are.
import type { CheckDefinition, Measurement } from '../../../diagnostics/types.js';
import { UpstreamError } from '../../../errors.js';
import type { KubernetesPort } from '../port.js';
import { formatQuantity, parseQuantity } from '../quantity.js';
import { describeSelector, selectorOf } from './shared.js';

const TOP_ROWS = 10;

interface Row {
  pod: string;
  container: string;
  usage: number;
  bound: number;
  ratio: number;
}

export const podResources: CheckDefinition<'kubernetes.pod-resources', KubernetesPort> = {
  kind: 'kubernetes.pod-resources',
  backend: 'kubernetes',
  async run(ctx, port): Promise<Measurement> {
    const { resource, against } = ctx.params;
    const selector = selectorOf(ctx);
    const [pods, metrics] = await Promise.all([
      port.listPods(ctx.namespace, selector, ctx.signal),
      port.listPodMetrics(ctx.namespace, selector, ctx.signal).catch((err: unknown) => {
        // The API group itself is missing: no metrics-server. That is "no data", not a failure.
        if (err instanceof UpstreamError && err.details?.status === 404) return undefined;
        throw err;
      }),
    ]);
    const where = describeSelector(ctx.namespace, selector);
    if (pods.length === 0) return { summary: `no pods match ${where}` };
    if (metrics === undefined)
      return { summary: 'metrics.k8s.io is not served (is metrics-server installed?)' };

    const usageOf = new Map(metrics.map((m) => [m.name, m]));
    const bound = against === 'limits' ? 'limit' : 'request';
    const rows: Row[] = [];
    const unbounded = new Set<string>();
    let withoutMetrics = 0;
    for (const pod of pods) {
      const podMetrics = usageOf.get(pod.name);
      if (!podMetrics) withoutMetrics++;
      for (const container of pod.containers) {
        const limit = parseQuantity(container[against][resource]);
        if (limit === undefined || limit <= 0) {
          unbounded.add(pod.name);
          continue;
        }
        const usage = podMetrics?.containers.find((c) => c.name === container.name)?.usage[resource];
        const used = parseQuantity(usage);
        if (used === undefined) continue;
        rows.push({
          pod: pod.name,
          container: container.name,
          usage: used,
          bound: limit,
          ratio: used / limit,
        });
      }
    }

    const notes: string[] = [];
    if (unbounded.size > 0) {
      const names = [...unbounded].sort();
      notes.push(`${names.length} pod(s) without a ${resource} ${bound}: ${names.slice(0, 5).join(', ')}`);
    }
    if (withoutMetrics > 0) notes.push(`${withoutMetrics} pod(s) without metrics yet`);
    if (rows.length === 0) {
      const why =
        metrics.length === 0 ? 'no metrics from metrics.k8s.io' : `no container has a ${resource} ${bound}`;
      return { summary: [why, ...notes].join('; ') };
    }

    // A pod's ratio is its worst container's; rows list the worst containers first.
    rows.sort((a, b) => b.ratio - a.ratio);
    const worst = rows[0] as Row;
    const summary =
      `worst pod ${worst.pod} (${worst.container}) at ${Math.round(worst.ratio * 100)}% of its ${resource} ${bound}` +
      ` (${formatQuantity(resource, worst.usage)} of ${formatQuantity(resource, worst.bound)})`;
    return {
      value: worst.ratio,
      summary: [summary, ...notes].join('; '),
      evidence: {
        rows: rows.slice(0, TOP_ROWS).map((r) => ({
          pod: r.pod,
          container: r.container,
          usage: formatQuantity(resource, r.usage),
          [bound]: formatQuantity(resource, r.bound),
          ratio: Math.round(r.ratio * 1000) / 1000,
        })),
        counts: {
          pods: pods.length,
          measured: new Set(rows.map((r) => r.pod)).size,
          [`no_${bound}`]: unbounded.size,
        },
      },
    };
  },
};
