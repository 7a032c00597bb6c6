// Builders for realistic API objects to seed the fake with (the JSON shapes the real API server
// returns), so tests state only what matters to them.

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  generation?: number;
  resourceVersion?: string;
  uid?: string;
  creationTimestamp?: string;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  // biome-ignore lint/suspicious/noExplicitAny: the fake stores arbitrary object bodies; tests read back what they seeded.
  [field: string]: any;
}

export interface Resources {
  requests?: { cpu?: string; memory?: string };
  limits?: { cpu?: string; memory?: string };
}

export interface ContainerInput extends Resources {
  name: string;
  image?: string;
}

function container(c: ContainerInput) {
  const resources: Resources = {};
  if (c.requests) resources.requests = c.requests;
  if (c.limits) resources.limits = c.limits;
  return { name: c.name, image: c.image ?? `registry.example/${c.name}:1.0`, resources };
}

interface WorkloadInput {
  namespace: string;
  name: string;
  replicas?: number;
  labels?: Record<string, string>;
  containers?: ContainerInput[];
  templateAnnotations?: Record<string, string>;
}

function workload(kind: 'Deployment' | 'StatefulSet', w: WorkloadInput): KubeObject {
  const labels = w.labels ?? { app: w.name };
  const replicas = w.replicas ?? 1;
  const template = {
    metadata: { labels, ...(w.templateAnnotations ? { annotations: w.templateAnnotations } : {}) },
    spec: { containers: (w.containers ?? [{ name: w.name }]).map(container) },
  };
  const status: Record<string, unknown> = {
    observedGeneration: 1,
    replicas,
    updatedReplicas: replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
  };
  const spec: Record<string, unknown> = { replicas, selector: { matchLabels: labels }, template };
  if (kind === 'StatefulSet') {
    spec.serviceName = w.name;
    status.currentRevision = `${w.name}-1`;
    status.updateRevision = `${w.name}-1`;
  }
  return {
    apiVersion: 'apps/v1',
    kind,
    metadata: { name: w.name, namespace: w.namespace, labels },
    spec,
    status,
  };
}

export const deployment = (w: WorkloadInput) => workload('Deployment', w);
export const statefulSet = (w: WorkloadInput) => workload('StatefulSet', w);

export interface ContainerStatusInput {
  name: string;
  ready?: boolean;
  restartCount?: number;
  waitingReason?: string;
  lastTerminatedReason?: string;
}

export function pod(p: {
  namespace: string;
  name: string;
  labels?: Record<string, string>;
  containers?: ContainerInput[];
  statuses?: ContainerStatusInput[];
  phase?: string;
  ready?: boolean;
}): KubeObject {
  const containers = p.containers ?? [{ name: 'app' }];
  const ready = p.ready ?? true;
  const statuses: ContainerStatusInput[] = p.statuses ?? containers.map((c) => ({ name: c.name }));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: p.name, namespace: p.namespace, labels: p.labels ?? {} },
    spec: { containers: containers.map(container), nodeName: 'node-1' },
    status: {
      phase: p.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      containerStatuses: statuses.map((s) => ({
        name: s.name,
        ready: s.ready ?? ready,
        restartCount: s.restartCount ?? 0,
        image: `registry.example/${s.name}:1.0`,
        imageID: '',
        state: s.waitingReason
          ? { waiting: { reason: s.waitingReason } }
          : { running: { startedAt: '2024-05-01T10:00:00Z' } },
        lastState: s.lastTerminatedReason
          ? {
              terminated: {
                exitCode: s.lastTerminatedReason === 'OOMKilled' ? 137 : 1,
                reason: s.lastTerminatedReason,
                finishedAt: '2024-05-01T09:59:00Z',
              },
            }
          : {},
      })),
    },
  };
}

export function podMetrics(m: {
  namespace: string;
  name: string;
  labels?: Record<string, string>;
  containers: { name: string; cpu: string; memory: string }[];
}): KubeObject {
  return {
    apiVersion: 'metrics.k8s.io/v1beta1',
    kind: 'PodMetrics',
    metadata: { name: m.name, namespace: m.namespace, labels: m.labels ?? {} },
    timestamp: '2024-05-01T10:00:00Z',
    window: '15s',
    containers: m.containers.map((c) => ({ name: c.name, usage: { cpu: c.cpu, memory: c.memory } })),
  };
}

export function hpa(h: {
  namespace: string;
  name: string;
  target: { kind: string; name: string };
  min?: number;
  max: number;
  current: number;
  desired?: number;
  cpuTarget?: number;
  cpuCurrent?: number;
}): KubeObject {
  const cpu = h.cpuTarget ?? 70;
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: h.name, namespace: h.namespace },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: h.target.kind, name: h.target.name },
      minReplicas: h.min ?? 1,
      maxReplicas: h.max,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: cpu } },
        },
      ],
    },
    status: {
      currentReplicas: h.current,
      desiredReplicas: h.desired ?? h.current,
      currentMetrics: [
        { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: h.cpuCurrent ?? cpu } } },
      ],
    },
  };
}

export function service(s: {
  namespace: string;
  name: string;
  selector?: Record<string, string>;
  type?: string;
}): KubeObject {
  const spec: Record<string, unknown> = {
    type: s.type ?? 'ClusterIP',
    ports: [{ port: 80, protocol: 'TCP' }],
  };
  if (s.selector) spec.selector = s.selector;
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: s.name, namespace: s.namespace }, spec };
}

export function endpoints(e: {
  namespace: string;
  name: string;
  ready?: string[];
  notReady?: string[];
}): KubeObject {
  const subset: Record<string, unknown> = { ports: [{ port: 80, protocol: 'TCP' }] };
  if (e.ready?.length) subset.addresses = e.ready.map((ip) => ({ ip }));
  if (e.notReady?.length) subset.notReadyAddresses = e.notReady.map((ip) => ({ ip }));
  const subsets = e.ready?.length || e.notReady?.length ? [subset] : [];
  return { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: e.name, namespace: e.namespace }, subsets };
}

export function configMap(c: { namespace: string; name: string; data: Record<string, string> }): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: c.name, namespace: c.namespace },
    data: c.data,
  };
}

/**
 * What the sentinel-connector playbook's fixes act on in namespace `default`: the connector's
 * Deployment (2 replicas) and its ConfigMap with the batch sizes the runbook tunes.
 */
export function sentinelConnectorObjects(): KubeObject[] {
  return [
    deployment({
      namespace: 'default',
      name: 's3-sentinel-connector',
      replicas: 2,
      containers: [{ name: 'connector' }],
    }),
    configMap({
      namespace: 'default',
      name: 'connector-config',
      data: {
        'config.yaml': 'aws:\n  rate_limit: 10.0\n  batch_size: 1000\nsentinel:\n  batch_size: 1000\n',
      },
    }),
  ];
}
