// perfbot's own /metrics: the standard Node.js collector names (no prefix), every perfbot_*
// series the README documents, and queue depth read at scrape time without hanging on Redis.
import { describe, expect, it } from 'vitest';
import { CALL_OUTCOMES } from '../../src/chat/slack/api-calls.js';
import { createMetrics, type JobCountsSource, QUEUE_STATES } from '../../src/metrics.js';
import { JOB_OUTCOMES, REMEDIATION_OUTCOMES } from '../../src/metrics-hooks.js';
import { documentedDefaultCollectors, documentedMetrics, documentedRow } from '../support/readme-metrics.js';

describe('metrics', () => {
  it('serves the default process and Node.js collectors under their standard names', async () => {
    const text = await createMetrics().registry.metrics();
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'process_start_time_seconds',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_version_info',
    ]) {
      expect(text).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    }
    expect(text).not.toContain('perfbot_process_');
    expect(text).not.toContain('perfbot_nodejs_');
  });

  it('registers every perfbot_* series the README documents, with its type and labels, and no other', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const registered = (await metrics.registry.getMetricsAsJSON())
      .map((m) => ({
        name: m.name,
        type: String(m.type),
        labels: [
          ...((metrics.registry.getSingleMetric(m.name) as unknown as { labelNames: string[] }).labelNames ??
            []),
        ],
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
    expect(registered.every((m) => m.name.startsWith('perfbot_'))).toBe(true);
    const documented = documentedMetrics().sort((a, b) => a.name.localeCompare(b.name));
    expect(documented).toEqual(registered);
  });

  it('documents every value of the enumerated labels the code emits', () => {
    const values: Record<string, readonly string[]> = {
      perfbot_slack_api_calls_total: CALL_OUTCOMES,
      perfbot_queue_jobs: QUEUE_STATES,
      perfbot_queue_jobs_finished_total: JOB_OUTCOMES,
      perfbot_remediation_jobs_total: REMEDIATION_OUTCOMES,
    };
    for (const [name, list] of Object.entries(values)) {
      const row = documentedRow(name);
      for (const v of list) expect(row, `${name}: ${v}`).toContain(`\`${v}\``);
    }
  });

  it('serves the default collectors the README names', async () => {
    const text = await createMetrics().registry.metrics();
    const names = documentedDefaultCollectors();
    expect(names.length).toBeGreaterThanOrEqual(5);
    for (const n of names) expect(text, n).toMatch(new RegExp(`^# TYPE ${n} `, 'm'));
  });

  it('names the Slack API counter as the Slack layer counts it', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.slackApiCalls.inc({ method: 'chat.postMessage', outcome: 'ratelimited' });
    metrics.auditAppendFailures.inc();
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'perfbot_slack_api_calls_total{method="chat.postMessage",outcome="ratelimited"} 1',
    );
    expect(text).toContain('perfbot_audit_append_failures_total 1');
  });

  it('reads queue depth at scrape time, and leaves it out when the queue does not answer', async () => {
    const metrics = createMetrics({ defaultMetrics: false, queueScrapeTimeoutMs: 50 });
    let counts: Record<string, number> = { waiting: 3, delayed: 2, active: 1, failed: 4 };
    const asked: string[][] = [];
    metrics.watchQueue('remediations', {
      getJobCounts: async (...states) => {
        asked.push(states);
        return counts;
      },
    });
    let text = await metrics.registry.metrics();
    expect(asked[0]).toEqual(['waiting', 'prioritized', 'delayed', 'active', 'paused', 'failed']);
    expect(text).toContain('perfbot_queue_jobs{queue="remediations",state="waiting"} 3');
    expect(text).toContain('perfbot_queue_jobs{queue="remediations",state="prioritized"} 0');
    expect(text).toContain('perfbot_queue_jobs{queue="remediations",state="failed"} 4');

    counts = { waiting: 0 };
    text = await metrics.registry.metrics();
    expect(text).toContain('perfbot_queue_jobs{queue="remediations",state="waiting"} 0');
    expect(text).toContain('perfbot_queue_jobs{queue="remediations",state="failed"} 0');

    const hung: JobCountsSource = { getJobCounts: () => new Promise(() => {}) };
    metrics.watchQueue('remediations', hung);
    text = await metrics.registry.metrics();
    expect(text).not.toContain('perfbot_queue_jobs{');
  });
});
