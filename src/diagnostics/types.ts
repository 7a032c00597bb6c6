// What a check produces and what it is given. Integrations measure (Measurement); the engine
// holds the value against the playbook's thresholds and turns it into a CheckResult.
import type { Logger } from '../log.js';
import type { CheckKind, CheckParams } from '../playbooks/kinds.js';
import type { Target, Thresholds, Unit } from '../playbooks/schema.js';
import type { CheckStatus } from './status.js';

/** The status model (ranking, "worst of", "nothing measured") is src/diagnostics/status.ts. */
export type { CheckStatus };

export interface SeriesPoint {
  /** epoch milliseconds */
  t: number;
  v: number;
}
export interface Series {
  name: string;
  labels?: Record<string, string>;
  points: SeriesPoint[];
}

/** What a person needs to believe the verdict: top offenders, sample lines, a time series. */
export interface Evidence {
  rows?: Record<string, string | number | boolean | null>[];
  samples?: string[];
  series?: Series[];
  counts?: Record<string, number>;
}

/** An integration's answer. No value (and no status) means "no data": reported as unknown. */
export interface Measurement {
  value?: number;
  /** One line for a person, e.g. "worst pod normalization-7f9 at 91% of its CPU limit". */
  summary?: string;
  evidence?: Evidence;
  /** Set only when the integration knows better than the thresholds (e.g. OOMKilled seen). */
  status?: CheckStatus;
}

export interface CheckResult {
  checkId: string;
  kind: CheckKind;
  title: string;
  section?: string | undefined;
  status: CheckStatus;
  value?: number | undefined;
  unit?: Unit | undefined;
  thresholds?: Thresholds | undefined;
  summary: string;
  /** The integration's own line (Measurement.summary), kept apart so renderers can lay it out. */
  detail?: string | undefined;
  evidence?: Evidence | undefined;
  durationMs: number;
}

export interface CheckContext<K extends CheckKind = CheckKind> {
  params: CheckParams<K>;
  /** The namespace diagnosed: --namespace, the alert's namespace label, or the playbook's. */
  namespace: string;
  target: Target;
  /** Aborted at the check's timeout or the run's deadline; pass it to every request. */
  signal: AbortSignal;
  now: () => Date;
  log: Logger;
}

/** Back ends a check can need; each is configured by one environment variable (or not at all). */
export type BackendName =
  | 'kubernetes'
  | 'prometheus'
  | 'clickhouse'
  | 'kafka'
  | 'redis'
  | 'cloudwatch'
  | 'azureMetrics'
  | 'azureLogs'
  | 'network';

/** Shown as "skipped: set X" when a back end is not configured. */
export const BACKEND_VARIABLE: Record<BackendName, string> = {
  kubernetes: 'KUBECONFIG',
  prometheus: 'PROMETHEUS_URL',
  clickhouse: 'CLICKHOUSE_URL',
  kafka: 'KAFKA_BROKERS',
  redis: 'TARGET_REDIS_URL',
  cloudwatch: 'AWS_REGION',
  azureMetrics: 'AZURE_MONITOR_METRICS_ENDPOINT',
  azureLogs: 'AZURE_LOGS_ENDPOINT',
  network: 'PERFBOT_NETWORK_CHECKS=1',
};

/** One check kind's implementation; `Port` is the integration's narrow port type. */
export interface CheckDefinition<K extends CheckKind, Port> {
  kind: K;
  backend: BackendName;
  run(ctx: CheckContext<K>, port: Port): Promise<Measurement>;
}

// biome-ignore lint/suspicious/noExplicitAny: each definition is typed by its own port; a registry map erases it.
export type AnyCheckDefinition = CheckDefinition<any, any>;
