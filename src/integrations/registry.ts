// The one registry: every check kind and action kind a playbook may name, mapped to the
// integration that implements it. Integrations are loaded on demand — an SDK is imported when
// one of its kinds first runs, not when the CLI starts (`perfbot --help` must not pay for the
// Kubernetes client). The kind's prefix names its folder: `kubernetes.scale` → ./kubernetes.
// test/unit/registry.test.ts loads every integration and checks that every kind of
// src/playbooks/kinds.ts is implemented exactly once.
import type { AnyCheckDefinition, BackendName } from '../diagnostics/types.js';
import type { ActionKind, CheckKind } from '../playbooks/kinds.js';
import type { AnyActionDefinition } from '../remediation/types.js';

export type { AnyCheckDefinition } from '../diagnostics/types.js';
export type { AnyActionDefinition } from '../remediation/types.js';

/** What one integration folder contributes. */
export interface IntegrationModule {
  checks?: Record<string, AnyCheckDefinition>;
  actions?: Record<string, AnyActionDefinition>;
}

export const INTEGRATIONS = {
  kubernetes: async () => {
    const m = await import('./kubernetes/index.js');
    return { checks: m.kubernetesChecks, actions: m.kubernetesActions };
  },
  prometheus: async () => ({ checks: (await import('./prometheus/index.js')).prometheusChecks }),
  clickhouse: async () => ({ checks: (await import('./clickhouse/index.js')).clickhouseChecks }),
  redis: async () => ({ checks: (await import('./redis/index.js')).redisChecks }),
  network: async () => ({ checks: (await import('./network/index.js')).networkChecks }),
  kafka: async () => {
    const m = await import('./kafka/index.js');
    return { checks: m.kafkaChecks, actions: m.kafkaActions };
  },
  cloudwatch: async () => ({ checks: (await import('./cloudwatch/index.js')).cloudwatchChecks }),
  azure: async () => ({ checks: (await import('./azure/index.js')).azureChecks }),
} satisfies Record<string, () => Promise<IntegrationModule>>;

/** Where the engine and remediation find implementations: a lookup that may load on demand. */
export interface Registry {
  check(kind: CheckKind): Promise<AnyCheckDefinition | undefined>;
  action(kind: ActionKind): Promise<AnyActionDefinition | undefined>;
  /** The back end a kind needs, known without loading it (unconfigured → skipped, no import). */
  backend(kind: CheckKind | ActionKind): BackendName | undefined;
}

/** Each folder's back end; Azure's two APIs are configured separately. */
const BACKEND_OF: Record<string, BackendName> = {
  kubernetes: 'kubernetes',
  prometheus: 'prometheus',
  clickhouse: 'clickhouse',
  redis: 'redis',
  network: 'network',
  kafka: 'kafka',
  cloudwatch: 'cloudwatch',
  'azure.metric': 'azureMetrics',
  'azure.logs': 'azureLogs',
};

export function backendOfKind(kind: string): BackendName | undefined {
  return BACKEND_OF[kind] ?? BACKEND_OF[kind.slice(0, kind.indexOf('.'))];
}

/** A fixed map of kinds (tests, benchmarks) or a registry. */
export type CheckSource = Registry | Partial<Record<CheckKind, AnyCheckDefinition>>;
export type ActionSource = Registry | Partial<Record<ActionKind, AnyActionDefinition>>;

export function createRegistry(
  modules: Record<string, () => Promise<IntegrationModule>> = INTEGRATIONS,
): Registry {
  const loaded = new Map<string, Promise<IntegrationModule>>();
  const load = (kind: string): Promise<IntegrationModule> | undefined => {
    const name = kind.slice(0, kind.indexOf('.'));
    const loader = modules[name];
    if (!loader) return undefined;
    let p = loaded.get(name);
    if (!p) {
      p = loader();
      // A failed import (a broken install) is retried next time rather than cached.
      p.catch(() => loaded.delete(name));
      loaded.set(name, p);
    }
    return p;
  };
  return {
    check: async (kind) => (await load(kind))?.checks?.[kind],
    action: async (kind) => (await load(kind))?.actions?.[kind],
    backend: backendOfKind,
  };
}

function isRegistry(source: CheckSource | ActionSource): source is Registry {
  return (
    typeof (source as Registry).check === 'function' && typeof (source as Registry).backend === 'function'
  );
}

/** The back end of a check kind, without loading its integration when the source is the registry. */
export function checkBackend(source: CheckSource, kind: CheckKind): BackendName | undefined {
  return isRegistry(source) ? source.backend(kind) : source[kind]?.backend;
}

export async function checkOf(source: CheckSource, kind: CheckKind): Promise<AnyCheckDefinition | undefined> {
  return isRegistry(source) ? source.check(kind) : source[kind];
}

export async function actionOf(
  source: ActionSource,
  kind: ActionKind,
): Promise<AnyActionDefinition | undefined> {
  return isRegistry(source) ? source.action(kind) : source[kind];
}

/** Every integration loaded, as plain maps (the conformance test, tests that want all kinds). */
export async function loadAllKinds(
  modules: Record<string, () => Promise<IntegrationModule>> = INTEGRATIONS,
): Promise<{ checks: [string, AnyCheckDefinition][]; actions: [string, AnyActionDefinition][] }> {
  const all = await Promise.all(Object.values(modules).map((m) => m()));
  return {
    checks: all.flatMap((m) => Object.entries(m.checks ?? {})),
    actions: all.flatMap((m) => Object.entries(m.actions ?? {})),
  };
}
