// client-node models → the port's plain shapes. Outside data is read leniently: a missing field
// becomes a neutral default rather than an exception in the middle of a diagnosis.
import type {
  V1ConfigMap,
  V1Container,
  V1ContainerStatus,
  V1Deployment,
  V1Endpoints,
  V1Pod,
  V1Service,
  V1StatefulSet,
  V2HorizontalPodAutoscaler,
  V2MetricSpec,
  V2MetricStatus,
  V2MetricTarget,
  V2MetricValueStatus,
} from '@kubernetes/client-node';
import type {
  ConfigMapInfo,
  ContainerSpec,
  ContainerStatus,
  EndpointsInfo,
  HpaInfo,
  PodInfo,
  ResourceList,
  ServiceInfo,
  WorkloadInfo,
  WorkloadRef,
} from './port.js';

function resources(list: Record<string, string> | undefined): ResourceList {
  const out: ResourceList = {};
  if (list?.cpu !== undefined) out.cpu = String(list.cpu);
  if (list?.memory !== undefined) out.memory = String(list.memory);
  return out;
}

export function toContainerSpec(c: V1Container): ContainerSpec {
  return { name: c.name, requests: resources(c.resources?.requests), limits: resources(c.resources?.limits) };
}

function toContainerStatus(s: V1ContainerStatus): ContainerStatus {
  const out: ContainerStatus = { name: s.name, ready: s.ready === true, restartCount: s.restartCount ?? 0 };
  if (s.state?.waiting?.reason) out.waitingReason = s.state.waiting.reason;
  if (s.state?.terminated?.reason) out.terminatedReason = s.state.terminated.reason;
  const last = s.lastState?.terminated;
  if (last?.reason) out.lastTerminatedReason = last.reason;
  if (last?.finishedAt) out.lastTerminatedAt = new Date(last.finishedAt).toISOString();
  return out;
}

export function toPodInfo(p: V1Pod): PodInfo {
  const ready = (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  const info: PodInfo = {
    name: p.metadata?.name ?? '',
    phase: p.status?.phase ?? 'Unknown',
    ready,
    containers: (p.spec?.containers ?? []).map(toContainerSpec),
    containerStatuses: (p.status?.containerStatuses ?? []).map(toContainerStatus),
  };
  if (p.spec?.nodeName) info.nodeName = p.spec.nodeName;
  return info;
}

function formatTarget(t: V2MetricTarget | undefined): string {
  if (!t) return '?';
  if (t.averageUtilization !== undefined) return `${t.averageUtilization}%`;
  return t.averageValue ?? t.value ?? '?';
}

function formatCurrent(c: V2MetricValueStatus | undefined): string {
  if (!c) return '?';
  if (c.averageUtilization !== undefined) return `${c.averageUtilization}%`;
  return c.averageValue ?? c.value ?? '?';
}

function metricName(m: V2MetricSpec | V2MetricStatus): string {
  if (m.resource) return m.resource.name;
  if (m.containerResource) return `${m.containerResource.container}/${m.containerResource.name}`;
  return m.pods?.metric.name ?? m.object?.metric.name ?? m.external?.metric.name ?? m.type;
}

function metricLine(spec: V2MetricSpec, current: V2MetricStatus | undefined): string {
  const target = spec.resource?.target ?? spec.containerResource?.target ?? spec.pods?.target;
  const value = current?.resource?.current ?? current?.containerResource?.current ?? current?.pods?.current;
  const other = spec.object?.target ?? spec.external?.target;
  const otherValue = current?.object?.current ?? current?.external?.current;
  return `${metricName(spec)} ${formatCurrent(value ?? otherValue)}/${formatTarget(target ?? other)}`;
}

export function toHpaInfo(h: V2HorizontalPodAutoscaler): HpaInfo {
  const currentMetrics = h.status?.currentMetrics ?? [];
  return {
    name: h.metadata?.name ?? '',
    target: { kind: h.spec?.scaleTargetRef?.kind ?? '', name: h.spec?.scaleTargetRef?.name ?? '' },
    minReplicas: h.spec?.minReplicas ?? 1,
    maxReplicas: h.spec?.maxReplicas ?? 0,
    currentReplicas: h.status?.currentReplicas ?? 0,
    desiredReplicas: h.status?.desiredReplicas ?? 0,
    metrics: (h.spec?.metrics ?? []).map((m) =>
      metricLine(
        m,
        currentMetrics.find((c) => c.type === m.type && metricName(c) === metricName(m)),
      ),
    ),
  };
}

export function toServiceInfo(s: V1Service): ServiceInfo {
  return {
    name: s.metadata?.name ?? '',
    type: s.spec?.type ?? 'ClusterIP',
    hasSelector: Object.keys(s.spec?.selector ?? {}).length > 0,
  };
}

export function toEndpointsInfo(e: V1Endpoints): EndpointsInfo {
  let ready = 0;
  let notReady = 0;
  for (const subset of e.subsets ?? []) {
    ready += subset.addresses?.length ?? 0;
    notReady += subset.notReadyAddresses?.length ?? 0;
  }
  return { name: e.metadata?.name ?? '', ready, notReady };
}

export function toWorkloadInfo(ref: WorkloadRef, w: V1Deployment | V1StatefulSet): WorkloadInfo {
  const status = w.status;
  const info: WorkloadInfo = {
    kind: ref.kind,
    name: w.metadata?.name ?? ref.name,
    generation: w.metadata?.generation ?? 0,
    replicas: w.spec?.replicas ?? 1,
    templateAnnotations: { ...(w.spec?.template?.metadata?.annotations ?? {}) },
    containers: (w.spec?.template?.spec?.containers ?? []).map(toContainerSpec),
    status: {
      observedGeneration: status?.observedGeneration ?? 0,
      replicas: status?.replicas ?? 0,
      updatedReplicas: status?.updatedReplicas ?? 0,
      readyReplicas: status?.readyReplicas ?? 0,
      availableReplicas: status?.availableReplicas ?? 0,
    },
  };
  if (status && 'currentRevision' in status && status.currentRevision) {
    info.status.currentRevision = status.currentRevision;
  }
  if (status && 'updateRevision' in status && status.updateRevision) {
    info.status.updateRevision = status.updateRevision;
  }
  return info;
}

export function toConfigMapInfo(c: V1ConfigMap): ConfigMapInfo {
  const info: ConfigMapInfo = { name: c.metadata?.name ?? '', data: { ...(c.data ?? {}) } };
  if (c.metadata?.resourceVersion) info.resourceVersion = c.metadata.resourceVersion;
  return info;
}
