// The fake API server's object store. It behaves like the parts of the real one perfbot relies
// on: resourceVersion on every write, metadata.generation bumped on spec changes, status ignored
// on main-resource writes, and workload rollouts that progress as the status is polled.
import type { KubeObject } from './builders.js';

export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  kind: string;
  /** Has a status subresource: writes through the main resource leave status alone. */
  status: boolean;
  workload?: boolean;
}

export const RESOURCE_TYPES: ResourceType[] = [
  { group: '', version: 'v1', plural: 'pods', kind: 'Pod', status: true },
  { group: '', version: 'v1', plural: 'services', kind: 'Service', status: true },
  { group: '', version: 'v1', plural: 'endpoints', kind: 'Endpoints', status: false },
  { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', status: false },
  { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', status: true, workload: true },
  { group: 'apps', version: 'v1', plural: 'statefulsets', kind: 'StatefulSet', status: true, workload: true },
  {
    group: 'autoscaling',
    version: 'v2',
    plural: 'horizontalpodautoscalers',
    kind: 'HorizontalPodAutoscaler',
    status: true,
  },
  { group: 'metrics.k8s.io', version: 'v1beta1', plural: 'pods', kind: 'PodMetrics', status: false },
];

export function typeByKind(kind: string): ResourceType {
  const t = RESOURCE_TYPES.find((r) => r.kind === kind);
  if (!t) throw new Error(`fake kubernetes: unsupported kind ${kind}`);
  return t;
}

const typeKey = (t: ResourceType) => `${t.group}/${t.plural}`;

interface Rollout {
  remaining: number;
}

export class FakeKubeState {
  /** Reads of a workload that still see its rollout in progress after a spec change. */
  rolloutPolls: number;
  private readonly stores = new Map<string, Map<string, KubeObject>>();
  private readonly logs = new Map<string, string>();
  private readonly rollouts = new Map<string, Rollout>();
  private readonly stalled = new Set<string>();
  private version = 1000;

  constructor(options: { rolloutPolls?: number } = {}) {
    this.rolloutPolls = options.rolloutPolls ?? 2;
  }

  private store(t: ResourceType): Map<string, KubeObject> {
    let s = this.stores.get(typeKey(t));
    if (!s) {
      s = new Map();
      this.stores.set(typeKey(t), s);
    }
    return s;
  }

  private nextVersion(): string {
    this.version += 1;
    return String(this.version);
  }

  /** Seeds (or replaces) an object; returns the stored copy. */
  put(obj: KubeObject): KubeObject {
    const t = typeByKind(obj.kind);
    const stored = structuredClone(obj);
    const ns = stored.metadata.namespace ?? 'default';
    stored.metadata.namespace = ns;
    stored.metadata.uid ??= `uid-${stored.metadata.name}-${this.version}`;
    stored.metadata.creationTimestamp ??= '2024-05-01T09:00:00Z';
    stored.metadata.generation ??= 1;
    stored.metadata.resourceVersion = this.nextVersion();
    this.store(t).set(`${ns}/${stored.metadata.name}`, stored);
    return stored;
  }

  get(kind: string, namespace: string, name: string): KubeObject | undefined {
    return this.find(typeByKind(kind), namespace, name);
  }

  find(t: ResourceType, namespace: string, name: string): KubeObject | undefined {
    return this.store(t).get(`${namespace}/${name}`);
  }

  list(t: ResourceType, namespace: string): KubeObject[] {
    return [...this.store(t).values()].filter((o) => o.metadata.namespace === namespace);
  }

  remove(kind: string, namespace: string, name: string): boolean {
    return this.store(typeByKind(kind)).delete(`${namespace}/${name}`);
  }

  /** Log text of a pod (or one of its containers). */
  setLog(namespace: string, pod: string, text: string, container = ''): void {
    this.logs.set(`${namespace}/${pod}/${container}`, text);
  }

  log(namespace: string, pod: string, container: string): string | undefined {
    return this.logs.get(`${namespace}/${pod}/${container}`) ?? this.logs.get(`${namespace}/${pod}/`);
  }

  /** Makes this workload's rollouts stop short of completion (a stuck rollout). */
  stallRollout(kind: string, namespace: string, name: string, stalled = true): void {
    const key = `${kind}/${namespace}/${name}`;
    if (stalled) this.stalled.add(key);
    else this.stalled.delete(key);
  }

  /** Stores the result of a write, with the API server's bookkeeping. */
  write(t: ResourceType, previous: KubeObject, next: KubeObject): KubeObject {
    const meta = previous.metadata;
    next.metadata = {
      ...next.metadata,
      name: meta.name,
      namespace: meta.namespace,
      uid: meta.uid,
      creationTimestamp: meta.creationTimestamp,
      generation: meta.generation,
      resourceVersion: this.nextVersion(),
    };
    if (t.status) next.status = structuredClone(previous.status);
    if (JSON.stringify(previous.spec) !== JSON.stringify(next.spec)) {
      next.metadata.generation = (meta.generation ?? 1) + 1;
      if (t.workload)
        this.rollouts.set(`${t.kind}/${meta.namespace}/${meta.name}`, { remaining: this.rolloutPolls });
    }
    this.store(t).set(`${meta.namespace}/${meta.name}`, next);
    return next;
  }

  /** A read of a workload: its controller makes progress, as a real one does between polls. */
  observe(t: ResourceType, obj: KubeObject): void {
    if (!t.workload) return;
    const key = `${t.kind}/${obj.metadata.namespace}/${obj.metadata.name}`;
    const rollout = this.rollouts.get(key);
    if (!rollout) return;
    const replicas: number = obj.spec?.replicas ?? 1;
    const generation = obj.metadata.generation ?? 1;
    obj.status ??= {};
    const status = obj.status;
    status.observedGeneration = generation;
    if (this.stalled.has(key) || rollout.remaining > 0) {
      rollout.remaining = Math.max(0, rollout.remaining - 1);
      const partial = Math.max(0, replicas - 1);
      status.updatedReplicas = this.stalled.has(key) ? Math.min(1, partial) : partial;
      status.readyReplicas = partial;
      status.availableReplicas = partial;
      // A Deployment surges one new pod while an old one is still terminating.
      status.replicas = t.kind === 'Deployment' ? replicas + 1 : replicas;
      if (t.kind === 'StatefulSet') status.updateRevision = `${obj.metadata.name}-${generation}`;
      return;
    }
    Object.assign(status, {
      replicas,
      updatedReplicas: replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
    });
    if (t.kind === 'StatefulSet') {
      status.updateRevision = `${obj.metadata.name}-${generation}`;
      status.currentRevision = status.updateRevision;
    }
    this.rollouts.delete(key);
  }
}
