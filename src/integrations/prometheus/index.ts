// Prometheus: PromQL instant and range queries (PROMETHEUS_URL).
import { prometheusQueryCheck } from './query-check.js';
import { prometheusRangeCheck } from './range-check.js';

export { createPrometheusClient, type PrometheusClientOptions } from './client.js';
export type { InstantResult, PrometheusPort, PromSample, PromSeries, RangeRequest } from './port.js';
export { escapePromqlRegex, escapePromqlString, promqlString, substituteNamespace } from './promql.js';

export const prometheusChecks = {
  'prometheus.query': prometheusQueryCheck,
  'prometheus.range': prometheusRangeCheck,
} as const;
