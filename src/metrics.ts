// Prometheus metrics of perfbot itself, served at GET /metrics. One registry per process
// (tests build their own), passed to the modules that count things.
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  alertsReceived: Counter<'source' | 'status'>;
  webhookRejected: Counter<'source' | 'reason'>;
  incidentsOpened: Counter<'playbook'>;
  checksRun: Counter<'kind' | 'status'>;
  checkDuration: Histogram<'kind'>;
  remediationJobs: Counter<'action' | 'outcome'>;
  /** Every Slack Web API call perfbot makes, by method and outcome (ok, ratelimited, http_5xx, …). */
  slackApiCalls: Counter<'method' | 'outcome'>;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'perfbot_' });
  return {
    registry,
    alertsReceived: new Counter({
      name: 'perfbot_alerts_received_total',
      help: 'Alerts accepted from webhooks',
      labelNames: ['source', 'status'],
      registers: [registry],
    }),
    webhookRejected: new Counter({
      name: 'perfbot_webhook_rejected_total',
      help: 'Webhook requests refused (400/401/413/415/503)',
      labelNames: ['source', 'reason'],
      registers: [registry],
    }),
    incidentsOpened: new Counter({
      name: 'perfbot_incidents_opened_total',
      help: 'Incidents opened',
      labelNames: ['playbook'],
      registers: [registry],
    }),
    checksRun: new Counter({
      name: 'perfbot_checks_total',
      help: 'Diagnostic checks run, by outcome',
      labelNames: ['kind', 'status'],
      registers: [registry],
    }),
    checkDuration: new Histogram({
      name: 'perfbot_check_duration_seconds',
      help: 'Time a diagnostic check took',
      labelNames: ['kind'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    remediationJobs: new Counter({
      name: 'perfbot_remediation_jobs_total',
      help: 'Remediation jobs by outcome',
      labelNames: ['action', 'outcome'],
      registers: [registry],
    }),
    slackApiCalls: new Counter({
      name: 'perfbot_slack_api_calls_total',
      help: 'Slack Web API calls by method and outcome (ok, ratelimited, http_5xx, http_4xx, timeout, network_error, slack_error)',
      labelNames: ['method', 'outcome'],
      registers: [registry],
    }),
  };
}
