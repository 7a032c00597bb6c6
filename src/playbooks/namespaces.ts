// Namespace bounds. A playbook names the namespaces it may diagnose and act in (`namespaces`,
// default: its target namespace); whatever asks for another one — an alert's `namespace`
// label, `/perf diagnose … --namespace`, a stored proposal — is refused here, before any call
// to a back end is built. A webhook sender must not choose where fixes are aimed.
import type { Playbook } from './schema.js';

type Bounded = Pick<Playbook, 'id' | 'target' | 'namespaces'>;

export type NamespaceDecision =
  | { ok: true; namespace: string }
  | { ok: false; namespace: string; reason: string };

/** The namespaces a playbook may touch, its target namespace first when listed. */
export function playbookNamespaces(playbook: Bounded): string[] {
  return playbook.namespaces ?? [playbook.target.namespace];
}

/** `requested` undefined means the playbook's target namespace. */
export function allowedNamespace(playbook: Bounded, requested?: string): NamespaceDecision {
  const namespace = requested ?? playbook.target.namespace;
  const allowed = playbookNamespaces(playbook);
  if (allowed.includes(namespace)) return { ok: true, namespace };
  const shown = namespace.length > 63 ? `${namespace.slice(0, 63)}…` : namespace;
  return {
    ok: false,
    namespace: shown,
    reason: `namespace "${shown}" is outside playbook ${playbook.id}'s namespaces (${allowed.join(', ')}): perfbot neither diagnoses nor changes anything there`,
  };
}
