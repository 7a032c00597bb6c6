// Services with no ready endpoints (`kubectl get endpoints`): traffic to them fails or hangs,
// which looks like "network latency" from the caller's side. ExternalName services and
// selector-less services without an Endpoints object have no endpoints by design and are skipped.
import type { CheckDefinition, Measurement } from '../../../diagnostics/types.js';
import type { KubernetesPort } from '../port.js';

export const endpoints: CheckDefinition<'kubernetes.endpoints', KubernetesPort> = {
  kind: 'kubernetes.endpoints',
  backend: 'kubernetes',
  async run(ctx, port): Promise<Measurement> {
    const [services, eps] = await Promise.all([
      port.listServices(ctx.namespace, ctx.signal),
      port.listEndpoints(ctx.namespace, ctx.signal),
    ]);
    const byName = new Map(eps.map((e) => [e.name, e]));
    const wanted = ctx.params.service;
    const candidates = services.filter((s) => wanted === undefined || s.name === wanted);
    if (wanted !== undefined && candidates.length === 0) {
      return { summary: `no Service named ${wanted} in ${ctx.namespace}` };
    }
    const rows = candidates
      .filter((s) => s.type !== 'ExternalName' && (s.hasSelector || byName.has(s.name)))
      .map((s) => {
        const e = byName.get(s.name);
        return { service: s.name, type: s.type, ready: e?.ready ?? 0, notReady: e?.notReady ?? 0 };
      })
      .sort((a, b) => a.ready - b.ready || a.service.localeCompare(b.service));
    const empty = rows.filter((r) => r.ready === 0);
    const summary =
      empty.length === 0
        ? `all ${rows.length} service(s) have ready endpoints`
        : `${empty.length} of ${rows.length} service(s) without ready endpoints: ${empty
            .slice(0, 5)
            .map((r) => (r.notReady > 0 ? `${r.service} (${r.notReady} not ready)` : r.service))
            .join(', ')}`;
    return { value: empty.length, summary, evidence: { rows } };
  },
};
