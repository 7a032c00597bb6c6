// The Prometheus rules in playbooks/alerts/ must open the right playbook and alert on the same
// numbers the playbook judges by; `perfbot validate` does not read that folder, so this does.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadPlaybookDir } from '../../src/playbooks/loader.js';
import type { LoadedPlaybook, Trigger } from '../../src/playbooks/schema.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Rule {
  alert: string;
  expr: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

async function readRules(): Promise<Rule[]> {
  const dir = join(root, 'playbooks/alerts');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.rules.yml')).sort();
  const rules: Rule[] = [];
  for (const f of files) {
    const doc = parse(await readFile(join(dir, f), 'utf8')) as { groups: { rules: Rule[] }[] };
    for (const g of doc.groups) rules.push(...g.rules);
  }
  return rules;
}

/** Alertmanager-style matching, as the schema documents it: exact name, equal labels, anchored regex. */
function matches(t: Trigger, labels: Record<string, string>): boolean {
  if (t.source && t.source !== 'alertmanager') return false;
  if (t.alertname && t.alertname !== labels.alertname) return false;
  for (const [k, v] of Object.entries(t.labels ?? {})) if (labels[k] !== v) return false;
  for (const [k, re] of Object.entries(t.match_re ?? {}))
    if (!new RegExp(`^(?:${re})$`).test(labels[k] ?? '')) return false;
  return true;
}

/** The constant the rule compares with, e.g. `… > 0.7` → 0.7. */
function ruleThreshold(expr: string): number {
  const m = /[<>]\s*([0-9.e+]+)\s*$/.exec(expr.trim());
  if (!m?.[1]) throw new Error(`no trailing comparison in ${expr}`);
  return Number(m[1]);
}

let rules: Rule[];
let playbooks: LoadedPlaybook[];
beforeAll(async () => {
  rules = await readRules();
  const loaded = await loadPlaybookDir('playbooks', root);
  expect(loaded.problems).toEqual([]);
  playbooks = loaded.playbooks;
});

describe('alert rules and playbook triggers', () => {
  it('route every rule to the playbook named in its playbook label, and to no other', () => {
    expect(rules.length).toBeGreaterThanOrEqual(19);
    for (const rule of rules) {
      const labels = { alertname: rule.alert, ...rule.labels };
      const owners = playbooks.filter((pb) => pb.triggers.some((t) => matches(t, labels)));
      expect(
        owners.map((pb) => pb.id),
        rule.alert,
      ).toEqual([rule.labels.playbook]);
    }
  });

  it('leave no playbook trigger for a Prometheus rule that does not exist', () => {
    for (const pb of playbooks) {
      for (const t of pb.triggers.filter((x) => x.labels?.playbook)) {
        const fired = rules.some((r) => matches(t, { alertname: r.alert, ...r.labels }));
        expect(fired, `${pb.id}: ${t.alertname}`).toBe(true);
      }
    }
  });

  it("include the runbook's own alert text", () => {
    const rule = rules.find((r) => r.alert === 'S3SentinelProcessingLatencyHigh');
    expect(rule?.annotations.summary).toBe('Processing latency exceeded threshold');
    const pb = playbooks.find((p) => p.id === 'sentinel-connector');
    expect(pb?.triggers.some((t) => matches(t, { alertname: 'Processing latency exceeded threshold' }))).toBe(
      true,
    );
  });

  it('alert on the same numbers the playbooks judge by', () => {
    // [alert, playbook, check, threshold field, rule value ÷ check value]
    const pairs: [string, string, string, 'warn' | 'critical', number][] = [
      ['S3SentinelProcessingLatencyHigh', 'sentinel-connector', 'batch-processing-time', 'critical', 1],
      ['S3SentinelS3DownloadLatencyHigh', 'sentinel-connector', 's3-download-latency', 'critical', 1],
      ['S3SentinelIngestionLatencyHigh', 'sentinel-connector', 'sentinel-ingestion-latency', 'critical', 1],
      ['S3SentinelMemoryHigh', 'sentinel-connector', 'memory-usage', 'critical', 1],
      ['S3SentinelCPUHigh', 'sentinel-connector', 'cpu-usage', 'critical', 0.01],
      ['S3SentinelRateLimitWaitHigh', 'sentinel-connector', 'rate-limit-wait', 'critical', 1],
      ['HighLatency', 'data-pipeline', 'p95-latency', 'warn', 1],
      ['HighP99Latency', 'data-pipeline', 'p99-latency', 'warn', 1],
      ['HighErrorRate', 'data-pipeline', 'error-rate', 'warn', 1],
      ['HighCPUUsage', 'data-pipeline', 'container-cpu', 'warn', 1],
      ['DataPipelineCPUThrottlingHigh', 'data-pipeline', 'cpu-throttling', 'warn', 1],
      ['HighMemoryUsage', 'data-pipeline', 'container-memory', 'warn', 1],
      ['SlowDatabaseQueries', 'data-pipeline', 'db-query-time', 'warn', 1],
      ['ConnectionPoolExhausted', 'data-pipeline', 'connection-pool-usage', 'critical', 1],
      ['PostgreSQLConnectionsHigh', 'data-pipeline', 'postgres-active-connections', 'warn', 1],
      ['KafkaConsumerLagHigh', 'data-pipeline', 'consumer-lag', 'critical', 1],
      ['CacheHitRateLow', 'data-pipeline', 'cache-hit-rate', 'warn', 1],
    ];
    for (const [alert, playbookId, checkId, field, factor] of pairs) {
      const rule = rules.find((r) => r.alert === alert);
      const check = playbooks.find((p) => p.id === playbookId)?.checks.find((c) => c.id === checkId);
      expect(rule, alert).toBeDefined();
      const expected = (check?.thresholds?.[field] ?? Number.NaN) * factor;
      expect(ruleThreshold(rule?.expr ?? ''), alert).toBeCloseTo(expected, 9);
    }
  });

  it('show fractions as percentages, never "{{ $value }}%"', () => {
    for (const rule of rules) expect(rule.annotations.description, rule.alert).not.toMatch(/\$value\s*}}%/);
    const cpu = rules.find((r) => r.alert === 'HighCPUUsage');
    expect(cpu?.expr).toContain('kube_pod_container_resource_limits');
    expect(cpu?.annotations.description).toContain('humanizePercentage');
    expect(rules.find((r) => r.alert === 'HighLatency')?.expr).toMatch(/sum by \(le, service\)/);
  });
});
