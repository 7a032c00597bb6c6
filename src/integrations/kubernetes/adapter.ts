// The port over @kubernetes/client-node 1.x. Names are validated before a request is built;
// failures are normalized by call(); the caller's AbortSignal rides on every request.
import {
  AppsV1Api,
  AutoscalingV2Api,
  type ConfigurationOptions,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  Observable,
  type ObservableMiddleware,
  PatchStrategy,
  type RequestContext,
  type ResponseContext,
  setHeaderOptions,
} from '@kubernetes/client-node';
import {
  toConfigMapInfo,
  toEndpointsInfo,
  toHpaInfo,
  toPodInfo,
  toServiceInfo,
  toWorkloadInfo,
} from './convert.js';
import { call } from './errors.js';
import { parsePodMetricsList } from './metrics-schema.js';
import type { KubernetesPort, PatchKind, WorkloadRef } from './port.js';
import { assertContainerName, assertNamespace, assertObjectName, selectorString } from './validate.js';

/** client-node's middleware chain expects its own Observable, not a Promise. */
function signalOptions(signal: AbortSignal | undefined): ConfigurationOptions<ObservableMiddleware> {
  if (!signal) return {};
  const middleware: ObservableMiddleware = {
    pre: (ctx: RequestContext) => {
      ctx.setSignal(signal);
      return new Observable(Promise.resolve(ctx));
    },
    post: (res: ResponseContext) => new Observable(Promise.resolve(res)),
  };
  return { middleware: [middleware], middlewareMergeStrategy: 'append' };
}

function patchOptions(kind: PatchKind, signal: AbortSignal | undefined) {
  const type = kind === 'merge' ? PatchStrategy.MergePatch : PatchStrategy.StrategicMergePatch;
  return setHeaderOptions('Content-Type', type, signalOptions(signal));
}

function checkRef(namespace: string, ref: WorkloadRef): void {
  assertNamespace(namespace);
  if (ref.kind !== 'Deployment' && ref.kind !== 'StatefulSet') {
    throw new TypeError(`unsupported workload kind ${String(ref.kind)}`);
  }
  assertObjectName(ref.name, 'workload.name');
}

export function createKubernetesClient(kubeConfig: KubeConfig): KubernetesPort {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const autoscaling = kubeConfig.makeApiClient(AutoscalingV2Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const isDeployment = (ref: WorkloadRef) => ref.kind === 'Deployment';

  return {
    async listPods(namespace, selector, signal) {
      assertNamespace(namespace);
      const labelSelector = selectorString(selector);
      const what = `list pods ${namespace} ${labelSelector}`;
      const list = await call(what, signal, () =>
        core.listNamespacedPod({ namespace, labelSelector }, signalOptions(signal)),
      );
      return list.items.map(toPodInfo);
    },

    async listPodMetrics(namespace, selector, signal) {
      assertNamespace(namespace);
      const labelSelector = selectorString(selector);
      const body: unknown = await call(`read pod metrics ${namespace}`, signal, () =>
        custom.listNamespacedCustomObject(
          { group: 'metrics.k8s.io', version: 'v1beta1', namespace, plural: 'pods', labelSelector },
          signalOptions(signal),
        ),
      );
      return parsePodMetricsList(body);
    },

    async readPodLog(namespace, pod, options, signal) {
      assertNamespace(namespace);
      assertObjectName(pod, 'pod');
      if (options.container !== undefined) assertContainerName(options.container);
      const text: unknown = await call(`read log of pod ${namespace}/${pod}`, signal, () =>
        core.readNamespacedPodLog({ name: pod, namespace, ...options }, signalOptions(signal)),
      );
      return typeof text === 'string' ? text : '';
    },

    async listHpas(namespace, signal) {
      assertNamespace(namespace);
      const list = await call(`list HPAs ${namespace}`, signal, () =>
        autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace }, signalOptions(signal)),
      );
      return list.items.map(toHpaInfo);
    },

    async listServices(namespace, signal) {
      assertNamespace(namespace);
      const list = await call(`list services ${namespace}`, signal, () =>
        core.listNamespacedService({ namespace }, signalOptions(signal)),
      );
      return list.items.map(toServiceInfo);
    },

    async listEndpoints(namespace, signal) {
      assertNamespace(namespace);
      const list = await call(`list endpoints ${namespace}`, signal, () =>
        core.listNamespacedEndpoints({ namespace }, signalOptions(signal)),
      );
      return list.items.map(toEndpointsInfo);
    },

    async readWorkload(namespace, ref, signal) {
      checkRef(namespace, ref);
      const req = { name: ref.name, namespace };
      const what = `read ${ref.kind} ${namespace}/${ref.name}`;
      const obj = await call(what, signal, () =>
        isDeployment(ref)
          ? apps.readNamespacedDeployment(req, signalOptions(signal))
          : apps.readNamespacedStatefulSet(req, signalOptions(signal)),
      );
      return toWorkloadInfo(ref, obj);
    },

    async patchWorkload(namespace, ref, patch, kind, signal) {
      checkRef(namespace, ref);
      const req = { name: ref.name, namespace, body: patch };
      const what = `patch ${ref.kind} ${namespace}/${ref.name}`;
      const obj = await call(what, signal, () =>
        isDeployment(ref)
          ? apps.patchNamespacedDeployment(req, patchOptions(kind, signal))
          : apps.patchNamespacedStatefulSet(req, patchOptions(kind, signal)),
      );
      return toWorkloadInfo(ref, obj);
    },

    async readScale(namespace, ref, signal) {
      checkRef(namespace, ref);
      const req = { name: ref.name, namespace };
      const scale = await call(`read scale of ${ref.kind} ${namespace}/${ref.name}`, signal, () =>
        isDeployment(ref)
          ? apps.readNamespacedDeploymentScale(req, signalOptions(signal))
          : apps.readNamespacedStatefulSetScale(req, signalOptions(signal)),
      );
      return scale.spec?.replicas ?? 0;
    },

    async patchScale(namespace, ref, replicas, signal) {
      checkRef(namespace, ref);
      if (!Number.isInteger(replicas) || replicas < 0) throw new TypeError(`bad replicas ${replicas}`);
      const req = { name: ref.name, namespace, body: { spec: { replicas } } };
      const scale = await call(`scale ${ref.kind} ${namespace}/${ref.name}`, signal, () =>
        isDeployment(ref)
          ? apps.patchNamespacedDeploymentScale(req, patchOptions('merge', signal))
          : apps.patchNamespacedStatefulSetScale(req, patchOptions('merge', signal)),
      );
      return scale.spec?.replicas ?? replicas;
    },

    async readConfigMap(namespace, name, signal) {
      assertNamespace(namespace);
      assertObjectName(name, 'configMap');
      const cm = await call(`read ConfigMap ${namespace}/${name}`, signal, () =>
        core.readNamespacedConfigMap({ name, namespace }, signalOptions(signal)),
      );
      return toConfigMapInfo(cm);
    },

    async patchConfigMap(namespace, name, data, resourceVersion, signal) {
      assertNamespace(namespace);
      assertObjectName(name, 'configMap');
      const body = resourceVersion === undefined ? { data } : { metadata: { resourceVersion }, data };
      const cm = await call(`patch ConfigMap ${namespace}/${name}`, signal, () =>
        core.patchNamespacedConfigMap({ name, namespace, body }, patchOptions('merge', signal)),
      );
      return toConfigMapInfo(cm);
    },
  };
}
