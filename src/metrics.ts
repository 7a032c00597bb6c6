// Prometheus metrics of perfbot itself, served at GET /metrics. One registry per process
// (tests build their own), passed to the modules that count things. README.md ("Metrics") has
// the table of every series; keep it in step with this file.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Anything that can count a BullMQ queue's jobs by state (a bullmq `Queue`). */
export interface JobCountsSource {
  getJobCounts(...states: string[]): Promise<Record<string, number>>;
}

/** Job states reported by perfbot_queue_jobs: the backlog, what runs, and what gave up. */
export const QUEUE_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'paused', 'failed'] as const;

export interface Metrics {
  registry: Registry;
  alertsReceived: Counter<'source' | 'status'>;
  webhookRejected: Counter<'source' | 'reason'>;
  incidentsOpened: Counter<'playbook'>;
  checksRun: Counter<'kind' | 'status'>;
  checkDuration: Histogram<'kind'>;
  /** Whole diagnoses (every check plus the decision tree), by playbook. */
  diagnosisDuration: Histogram<'playbook'>;
  /** Remediation job attempts by action kind and outcome (succeeded, retried, failed, dry-run). */
  remediationJobs: Counter<'action' | 'outcome'>;
  /** HTTP requests by route pattern (never the raw URL), method and status code. */
  httpRequests: Counter<'route' | 'method' | 'code'>;
  httpRequestDuration: Histogram<'route' | 'method' | 'code'>;
  /** Every Slack Web API call perfbot makes, by method and outcome (CALL_OUTCOMES of the Slack layer). */
  slackApiCalls: Counter<'method' | 'outcome'>;
  /** BullMQ jobs finished, by queue, job name and outcome: completed, retried, failed, stalled. */
  queueJobs: Counter<'queue' | 'name' | 'outcome'>;
  /** Jobs per state of each watched queue, read from Redis at scrape time. */
  queueDepth: Gauge<'queue' | 'state'>;
  /** Audit entries that could not be appended (the action went ahead; the trail has a gap). */
  auditAppendFailures: Counter;
  /** Reports queue depth at every scrape; call once per queue. */
  watchQueue(queue: string, source: JobCountsSource): void;
}

export interface MetricsOptions {
  /** process_* and nodejs_* collectors under their standard names (default on). */
  defaultMetrics?: boolean;
  /** Bound on the Redis read of queue counts during a scrape (default 1 s). */
  queueScrapeTimeoutMs?: number;
}

const SECONDS_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  // No prefix: stock Node.js dashboards and alerts query process_cpu_seconds_total,
  // nodejs_heap_size_used_bytes and friends by these exact names.
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const queues = new Map<string, JobCountsSource>();
  const timeoutMs = options.queueScrapeTimeoutMs ?? 1000;
  const registers = [registry];

  const queueDepth = new Gauge({
    name: 'perfbot_queue_jobs',
    help: 'Jobs in each BullMQ queue by state, read at scrape time',
    labelNames: ['queue', 'state'],
    registers,
    async collect() {
      this.reset();
      await Promise.all(
        [...queues].map(async ([queue, source]) => {
          // An unreachable Redis must not hang the scrape: the series are then absent, and
          // /readyz and PerfbotDown say why.
          const counts = await withTimeout(source.getJobCounts(...QUEUE_STATES), timeoutMs).catch(
            () => undefined,
          );
          if (!counts) return;
          for (const state of QUEUE_STATES) this.set({ queue, state }, counts[state] ?? 0);
        }),
      );
    },
  });

  return {
    registry,
    alertsReceived: new Counter({
      name: 'perfbot_alerts_received_total',
      help: 'Alerts accepted from webhooks',
      labelNames: ['source', 'status'],
      registers,
    }),
    webhookRejected: new Counter({
      name: 'perfbot_webhook_rejected_total',
      help: 'Webhook requests refused (400/401/413/415/503)',
      labelNames: ['source', 'reason'],
      registers,
    }),
    incidentsOpened: new Counter({
      name: 'perfbot_incidents_opened_total',
      help: 'Incidents opened',
      labelNames: ['playbook'],
      registers,
    }),
    checksRun: new Counter({
      name: 'perfbot_checks_total',
      help: 'Diagnostic checks run, by outcome',
      labelNames: ['kind', 'status'],
      registers,
    }),
    checkDuration: new Histogram({
      name: 'perfbot_check_duration_seconds',
      help: 'Time a diagnostic check took',
      labelNames: ['kind'],
      buckets: SECONDS_BUCKETS,
      registers,
    }),
    diagnosisDuration: new Histogram({
      name: 'perfbot_diagnosis_duration_seconds',
      help: 'Time a whole diagnosis took (all checks in parallel, then the decision tree)',
      labelNames: ['playbook'],
      buckets: SECONDS_BUCKETS,
      registers,
    }),
    remediationJobs: new Counter({
      name: 'perfbot_remediation_jobs_total',
      help: 'Remediation job attempts by action kind and outcome (succeeded, retried, failed, dry-run)',
      labelNames: ['action', 'outcome'],
      registers,
    }),
    httpRequests: new Counter({
      name: 'perfbot_http_requests_total',
      help: 'HTTP requests answered, by route pattern, method and status code',
      labelNames: ['route', 'method', 'code'],
      registers,
    }),
    httpRequestDuration: new Histogram({
      name: 'perfbot_http_request_duration_seconds',
      help: 'Time from request to response, by route pattern, method and status code',
      labelNames: ['route', 'method', 'code'],
      buckets: HTTP_BUCKETS,
      registers,
    }),
    slackApiCalls: new Counter({
      name: 'perfbot_slack_api_calls_total',
      help: 'Slack Web API calls by method and outcome (ok, ratelimited, http_5xx, http_4xx, timeout, network_error, slack_error)',
      labelNames: ['method', 'outcome'],
      registers,
    }),
    queueJobs: new Counter({
      name: 'perfbot_queue_jobs_finished_total',
      help: 'BullMQ jobs finished, by queue, job name and outcome (completed, retried, failed, stalled)',
      labelNames: ['queue', 'name', 'outcome'],
      registers,
    }),
    queueDepth,
    auditAppendFailures: new Counter({
      name: 'perfbot_audit_append_failures_total',
      help: 'Audit entries that could not be appended to the trail',
      registers,
    }),
    watchQueue(queue, source) {
      queues.set(queue, source);
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    p.then(resolve, reject).finally(() => clearTimeout(t));
  });
}
