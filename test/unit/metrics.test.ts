// perfbot's own /metrics: the standard Node.js collector names (no prefix), every perfbot_*
// series the README documents, and queue depth read at scrape time without hanging on Redis.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMetrics, type JobCountsSource } from '../../src/metrics.js';

/** Metric names in README.md's metrics table (first column, `perfbot_*` or `process_*`/`nodejs_*`). */
function documentedNames(): string[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.split('\n## ').find((s) => s.startsWith('Metrics')) ?? '';
  return [...section.matchAll(/^\| `(perfbot_[a-z_]+)`/gm)].map((m) => m[1] as string);
}

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

  it('registers every perfbot_* series the README documents, and documents every one', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const registered = (await metrics.registry.getMetricsAsJSON()).map((m) => m.name).sort();
    expect(registered.every((n) => n.startsWith('perfbot_'))).toBe(true);
    expect(documentedNames().sort()).toEqual(registered);
  });

  it('names the Slack API counter as the Slack layer expects it', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.slackApiCalls.inc({ method: 'chat.postMessage', outcome: 'rate_limited' });
    metrics.auditAppendFailures.inc();
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'perfbot_slack_api_calls_total{method="chat.postMessage",outcome="rate_limited"} 1',
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
