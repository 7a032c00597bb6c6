// Small helpers the Kubernetes checks share.
import type { CheckContext } from '../../../diagnostics/types.js';
import type { LabelSelector } from '../port.js';

/** A check's own selector wins over the playbook target's. */
export function selectorOf(ctx: {
  params: { selector?: LabelSelector | undefined };
  target: CheckContext['target'];
}): LabelSelector {
  return ctx.params.selector ?? ctx.target.selector;
}

export function describeSelector(namespace: string, selector: LabelSelector): string {
  const labels = Object.entries(selector).map(([k, v]) => `${k}=${v}`);
  return labels.length > 0 ? `${labels.join(',')} in ${namespace}` : `namespace ${namespace}`;
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
