// The narrow port: only the Kubernetes calls perfbot makes, in plain shapes of our own, so checks
// and actions never touch @kubernetes/client-node models (and a hand-written fake can stand in).
// Every method takes the caller's AbortSignal; the adapter validates every name it is given.
import type { WorkloadRef } from '../../playbooks/kinds.js';

export type { WorkloadRef };
export type LabelSelector = Record<string, string>;

/** Kubernetes quantities as written ("250m", "1Gi"); parse with quantity.ts. */
export interface ResourceList {
  cpu?: string;
  memory?: string;
}

export interface ContainerSpec {
  name: string;
  requests: ResourceList;
  limits: ResourceList;
}

export interface ContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  /** `state.waiting.reason`, e.g. CrashLoopBackOff. */
  waitingReason?: string;
  /** `state.terminated.reason` of the running instance. */
  terminatedReason?: string;
  /** `lastState.terminated.reason` of the previous instance, e.g. OOMKilled. */
  lastTerminatedReason?: string;
  lastTerminatedAt?: string;
}

export interface PodInfo {
  name: string;
  phase: string;
  /** The pod's Ready condition is True. */
  ready: boolean;
  nodeName?: string;
  containers: ContainerSpec[];
  containerStatuses: ContainerStatus[];
}

export interface PodMetrics {
  name: string;
  containers: { name: string; usage: ResourceList }[];
}

export interface HpaInfo {
  name: string;
  target: { kind: string; name: string };
  minReplicas: number;
  maxReplicas: number;
  currentReplicas: number;
  desiredReplicas: number;
  /** One line per metric, e.g. "cpu 85%/70%". */
  metrics: string[];
}

export interface ServiceInfo {
  name: string;
  type: string;
  /** Services without a selector have hand-managed endpoints (or none by design). */
  hasSelector: boolean;
}

export interface EndpointsInfo {
  name: string;
  ready: number;
  notReady: number;
}

export interface LogOptions {
  container?: string;
  tailLines: number;
  sinceSeconds?: number;
}

export interface WorkloadInfo extends WorkloadRef {
  generation: number;
  /** spec.replicas */
  replicas: number;
  templateAnnotations: Record<string, string>;
  containers: ContainerSpec[];
  status: {
    observedGeneration: number;
    replicas: number;
    updatedReplicas: number;
    readyReplicas: number;
    availableReplicas: number;
    currentRevision?: string;
    updateRevision?: string;
  };
}

export interface ConfigMapInfo {
  name: string;
  data: Record<string, string>;
  resourceVersion?: string;
}

/** How a patch body is interpreted by the API server. */
export type PatchKind = 'merge' | 'strategic';

export interface KubernetesPort {
  listPods(namespace: string, selector: LabelSelector, signal?: AbortSignal): Promise<PodInfo[]>;
  /** metrics.k8s.io/v1beta1 PodMetrics of the selected pods. */
  listPodMetrics(namespace: string, selector: LabelSelector, signal?: AbortSignal): Promise<PodMetrics[]>;
  readPodLog(namespace: string, pod: string, options: LogOptions, signal?: AbortSignal): Promise<string>;
  /** autoscaling/v2 HorizontalPodAutoscalers of the namespace. */
  listHpas(namespace: string, signal?: AbortSignal): Promise<HpaInfo[]>;
  listServices(namespace: string, signal?: AbortSignal): Promise<ServiceInfo[]>;
  listEndpoints(namespace: string, signal?: AbortSignal): Promise<EndpointsInfo[]>;
  readWorkload(namespace: string, ref: WorkloadRef, signal?: AbortSignal): Promise<WorkloadInfo>;
  /** Patches the Deployment/StatefulSet object (pod template, resources). */
  patchWorkload(
    namespace: string,
    ref: WorkloadRef,
    patch: object,
    kind: PatchKind,
    signal?: AbortSignal,
  ): Promise<WorkloadInfo>;
  /** spec.replicas through the scale subresource. */
  readScale(namespace: string, ref: WorkloadRef, signal?: AbortSignal): Promise<number>;
  patchScale(namespace: string, ref: WorkloadRef, replicas: number, signal?: AbortSignal): Promise<number>;
  readConfigMap(namespace: string, name: string, signal?: AbortSignal): Promise<ConfigMapInfo>;
  /**
   * Merge-patches `data` entries. With `resourceVersion` the write fails (409) if the ConfigMap
   * changed since it was read, so a concurrent edit is never silently overwritten.
   */
  patchConfigMap(
    namespace: string,
    name: string,
    data: Record<string, string>,
    resourceVersion: string | undefined,
    signal?: AbortSignal,
  ): Promise<ConfigMapInfo>;
}
