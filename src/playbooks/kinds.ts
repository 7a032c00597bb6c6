// Parameter schemas of every check kind and action kind a playbook may name. They live here,
// not in src/integrations/, so that `perfbot validate` never loads a cloud SDK; the integration
// registry (src/integrations/registry.ts) pairs each kind with its implementation and a
// conformance test keeps the two lists equal.
import { z } from 'zod';

/** DNS-1123 label: Kubernetes namespaces, most object names. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** DNS-1123 subdomain: Deployment, StatefulSet, ConfigMap names. */
export const DNS1123_SUBDOMAIN =
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Kafka topic and consumer-group names (legal characters, max 249). */
export const KAFKA_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

export const namespaceName = z
  .string()
  .regex(DNS1123_LABEL, 'expected a DNS-1123 label (a Kubernetes namespace)');
export const objectName = z.string().regex(DNS1123_SUBDOMAIN, 'expected a DNS-1123 name');
export const kafkaName = z
  .string()
  .regex(KAFKA_NAME, 'expected a Kafka name: letters, digits, ".", "_", "-"');
const duration = z
  .string()
  .regex(/^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/, 'expected a duration such as 30s or 5m');
const labelSelector = z.record(z.string().min(1), z.string());

export const WorkloadKind = z.enum(['Deployment', 'StatefulSet']);
export const WorkloadRef = z.strictObject({ kind: WorkloadKind, name: objectName });
export type WorkloadRef = z.infer<typeof WorkloadRef>;

// ---- check kinds --------------------------------------------------------------------------

export const CHECK_PARAMS = {
  /** CPU or memory usage of selected pods against their requests and limits (metrics.k8s.io). */
  'kubernetes.pod-resources': z.strictObject({
    resource: z.enum(['cpu', 'memory']),
    /** What the value is a fraction of; the threshold applies to the worst pod. */
    against: z.enum(['limits', 'requests']).default('limits'),
    selector: labelSelector.optional(),
  }),
  /** Restarts, OOMKilled containers and not-ready pods. */
  'kubernetes.pod-health': z.strictObject({
    measure: z.enum(['restarts', 'oomkilled', 'not-ready']),
    selector: labelSelector.optional(),
  }),
  /** HorizontalPodAutoscalers of the namespace: current vs max replicas. */
  'kubernetes.hpa': z.strictObject({ name: objectName.optional() }),
  /** Services with no ready endpoints. */
  'kubernetes.endpoints': z.strictObject({ service: objectName.optional() }),
  /** Pod log tail: count regex matches, keep sample lines. */
  'kubernetes.pod-logs': z.strictObject({
    selector: labelSelector.optional(),
    patterns: z.record(z.string().min(1), z.string().min(1)),
    tailLines: z.number().int().positive().max(10_000).default(500),
    since: duration.optional(),
  }),
  /** PromQL instant query; the first sample (or `reduce` over all) is the value. */
  'prometheus.query': z.strictObject({
    query: z.string().min(1),
    reduce: z.enum(['first', 'max', 'min', 'sum', 'avg']).default('max'),
  }),
  /** PromQL range query; the series become evidence and the chart. */
  'prometheus.range': z.strictObject({
    query: z.string().min(1),
    range: duration.default('1h'),
    step: duration.default('60s'),
    reduce: z.enum(['last', 'max', 'min', 'avg']).default('last'),
  }),
  /** Slowest queries of the day from system.query_log. */
  'clickhouse.slow-queries': z.strictObject({
    minDurationMs: z.number().int().nonnegative().default(1000),
    limit: z.number().int().positive().max(100).default(10),
  }),
  /** Queries running now, from system.processes. */
  'clickhouse.processes': z.strictObject({ limit: z.number().int().positive().max(100).default(20) }),
  /** Consumer-group lag per partition and total. */
  'kafka.consumer-lag': z.strictObject({ group: kafkaName, topic: kafkaName.optional() }),
  /** A topic's partition count and leader spread across brokers. */
  'kafka.topic': z.strictObject({ topic: kafkaName, measure: z.enum(['partitions', 'leader-skew']) }),
  /** Redis INFO: hit rate, memory, evictions, clients. */
  'redis.info': z.strictObject({
    measure: z.enum(['hit-rate', 'memory', 'evictions', 'clients']),
    /** redis://… of the Redis to inspect; defaults to the in-cluster service of the target. */
    url: z
      .string()
      .regex(/^rediss?:\/\//)
      .optional(),
  }),
  /** CloudWatch GetMetricData over a window. */
  'cloudwatch.metric': z.strictObject({
    namespace: z.string().min(1),
    metric: z.string().min(1),
    dimensions: z.record(z.string(), z.string()).default({}),
    statistic: z.enum(['Sum', 'Average', 'Maximum', 'Minimum', 'SampleCount']).default('Sum'),
    period: z.number().int().positive().default(300),
    window: duration.default('1h'),
  }),
  /** Azure Monitor metric of a resource (e.g. a Sentinel workspace's ingestion latency). */
  'azure.metric': z.strictObject({
    resourceId: z.string().startsWith('/subscriptions/'),
    metric: z.string().min(1),
    aggregation: z.enum(['Average', 'Maximum', 'Minimum', 'Total', 'Count']).default('Average'),
    interval: duration.default('1h'),
  }),
  /** KQL over a Log Analytics workspace; the named column of the first row is the value. */
  'azure.logs': z.strictObject({
    workspaceId: z.string().min(1).optional(),
    query: z.string().min(1),
    valueColumn: z.string().min(1),
    timespan: duration.default('1h'),
  }),
  /** TCP connect time to host:port (what the runbook does with ping). */
  'network.tcp-connect': z.strictObject({
    host: z.string().regex(/^[a-zA-Z0-9.-]+$/),
    port: z.number().int().min(1).max(65535),
    attempts: z.number().int().positive().max(20).default(3),
  }),
  /** DNS resolution time and answer (what the runbook does with nslookup/dig). */
  'network.dns': z.strictObject({ host: z.string().regex(/^[a-zA-Z0-9.-]+$/) }),
} as const;

export type CheckKind = keyof typeof CHECK_PARAMS;
export const CHECK_KINDS = Object.keys(CHECK_PARAMS) as CheckKind[];
export type CheckParams<K extends CheckKind> = z.output<(typeof CHECK_PARAMS)[K]>;

// ---- action kinds -------------------------------------------------------------------------

export const quantity = z
  .string()
  .regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G)?$/, 'expected a Kubernetes quantity');
const resourceList = z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() });

export const ACTION_PARAMS = {
  /** Set replicas of a Deployment or StatefulSet, within the playbook's guard rails. */
  'kubernetes.scale': z
    .strictObject({
      workload: WorkloadRef,
      /** Absolute target, or `by` replicas more than now. */
      replicas: z.number().int().nonnegative().optional(),
      by: z.number().int().optional(),
      min: z.number().int().nonnegative().default(1),
      max: z.number().int().positive(),
    })
    .refine((p) => (p.replicas === undefined) !== (p.by === undefined), 'set exactly one of replicas or by')
    .refine((p) => p.min <= p.max, 'min must not exceed max')
    .refine(
      (p) => p.replicas === undefined || (p.replicas >= p.min && p.replicas <= p.max),
      'replicas must lie within min..max',
    ),
  /** Rollout restart (kubectl rollout restart): patch the pod template's restartedAt annotation. */
  'kubernetes.restart': z.strictObject({ workload: WorkloadRef }),
  /** Set a key path in a YAML/JSON document held in a ConfigMap, then optionally restart. */
  'kubernetes.configmap.set': z.strictObject({
    configMap: objectName,
    key: z.string().regex(/^[-._a-zA-Z0-9]+$/),
    path: z
      .string()
      .regex(/^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$/, 'expected a dotted key path like sentinel.batch_size'),
    value: z.union([z.number(), z.string(), z.boolean()]),
    restart: WorkloadRef.optional(),
  }),
  /** Set a container's CPU/memory requests and limits. */
  'kubernetes.resources': z.strictObject({
    workload: WorkloadRef,
    container: z.string().regex(DNS1123_LABEL),
    requests: resourceList.optional(),
    limits: resourceList.optional(),
  }),
  /** Increase a topic's partition count (never decrease). */
  'kafka.partitions': z.strictObject({
    topic: kafkaName,
    partitions: z.number().int().positive().max(10_000),
  }),
} as const;

export type ActionKind = keyof typeof ACTION_PARAMS;
export const ACTION_KINDS = Object.keys(ACTION_PARAMS) as ActionKind[];
export type ActionParams<K extends ActionKind> = z.output<(typeof ACTION_PARAMS)[K]>;

/** Irreversible actions need two approvers unless the playbook says otherwise. */
export const DEFAULT_REQUIRED_APPROVALS: Record<ActionKind, number> = {
  'kubernetes.scale': 1,
  'kubernetes.restart': 1,
  'kubernetes.configmap.set': 1,
  'kubernetes.resources': 1,
  'kafka.partitions': 2,
};
