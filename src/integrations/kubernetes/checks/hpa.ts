// HorizontalPodAutoscalers (autoscaling/v2): an HPA pinned at maxReplicas cannot absorb more
// load, which is when scaling by hand (or raising max) is the remediation. Without a name the
// value is how many HPAs sit at their max; with one it is that HPA's current/max.
import type { CheckDefinition, Measurement } from '../../../diagnostics/types.js';
import type { HpaInfo, KubernetesPort } from '../port.js';

function row(h: HpaInfo) {
  return {
    hpa: h.name,
    target: `${h.target.kind}/${h.target.name}`,
    min: h.minReplicas,
    max: h.maxReplicas,
    current: h.currentReplicas,
    desired: h.desiredReplicas,
    atMax: h.maxReplicas > 0 && h.currentReplicas >= h.maxReplicas,
    metrics: h.metrics.join(', '),
  };
}

export const hpa: CheckDefinition<'kubernetes.hpa', KubernetesPort> = {
  kind: 'kubernetes.hpa',
  backend: 'kubernetes',
  async run(ctx, port): Promise<Measurement> {
    const all = await port.listHpas(ctx.namespace, ctx.signal);
    const name = ctx.params.name;
    if (name !== undefined) {
      const one = all.find((h) => h.name === name);
      if (!one) return { summary: `no HPA named ${name} in ${ctx.namespace}` };
      if (one.maxReplicas <= 0)
        return { summary: `HPA ${name} has no maxReplicas`, evidence: { rows: [row(one)] } };
      const metrics = one.metrics.length > 0 ? ` (${one.metrics.join(', ')})` : '';
      return {
        value: one.currentReplicas / one.maxReplicas,
        summary: `HPA ${name}: ${one.currentReplicas}/${one.maxReplicas} replicas, desired ${one.desiredReplicas}${metrics}`,
        evidence: { rows: [row(one)] },
      };
    }
    if (all.length === 0) return { value: 0, summary: `no HPAs in ${ctx.namespace}` };
    const rows = all.map(row).sort((a, b) => Number(b.atMax) - Number(a.atMax) || a.hpa.localeCompare(b.hpa));
    const atMax = rows.filter((r) => r.atMax);
    const summary =
      atMax.length === 0
        ? `none of ${all.length} HPA(s) at maxReplicas`
        : `${atMax.length} of ${all.length} HPA(s) at maxReplicas: ${atMax
            .slice(0, 5)
            .map((r) => `${r.hpa} (${r.current}/${r.max})`)
            .join(', ')}`;
    return { value: atMax.length, summary, evidence: { rows } };
  },
};
