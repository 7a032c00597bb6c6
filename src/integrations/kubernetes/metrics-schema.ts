// metrics.k8s.io/v1beta1 PodMetricsList comes back untyped from the custom-objects API. Read it
// leniently: a malformed item is dropped, not allowed to fail the whole check.
import { z } from 'zod';
import type { PodMetrics } from './port.js';

const Usage = z
  .object({ cpu: z.string().optional().catch(undefined), memory: z.string().optional().catch(undefined) })
  .catch({});

const Item = z.object({
  metadata: z.object({ name: z.string() }),
  containers: z.array(z.object({ name: z.string(), usage: Usage })).catch([]),
});

const List = z.object({ items: z.array(z.unknown()).catch([]) }).catch({ items: [] });

export function parsePodMetricsList(body: unknown): PodMetrics[] {
  const out: PodMetrics[] = [];
  for (const raw of List.parse(body).items) {
    const item = Item.safeParse(raw);
    if (!item.success) continue;
    out.push({
      name: item.data.metadata.name,
      containers: item.data.containers.map((c) => ({ name: c.name, usage: c.usage })),
    });
  }
  return out;
}
