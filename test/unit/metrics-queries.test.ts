// The PromQL shipped for perfbot itself (deploy/monitoring/perfbot.rules.yml and the Grafana
// dashboard) asks only for label names perfbot's series carry, and for label values the code
// really emits. promtool's unit tests cannot catch a wrong value: their input series are written
// by hand with the same mistake (PerfbotSlackFailing once matched outcome="error", which no code
// path ever produced, so it could never fire).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CALL_OUTCOMES } from '../../src/chat/slack/api-calls.js';
import { createMetrics, QUEUE_STATES } from '../../src/metrics.js';
import { JOB_OUTCOMES, REMEDIATION_OUTCOMES } from '../../src/metrics-hooks.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Labels every scraped series gets from Prometheus, and a histogram's bucket label. */
const TARGET_LABELS = ['job', 'instance', 'le', '__name__'];

/** Label values the code can produce, where the set is closed. */
const VALUES: Record<string, Record<string, readonly string[]>> = {
  perfbot_slack_api_calls_total: { outcome: CALL_OUTCOMES },
  perfbot_queue_jobs: { state: QUEUE_STATES },
  perfbot_queue_jobs_finished_total: { outcome: JOB_OUTCOMES },
  perfbot_remediation_jobs_total: { outcome: REMEDIATION_OUTCOMES },
};

interface Matcher {
  label: string;
  op: string;
  value: string;
}
interface Selector {
  metric: string;
  matchers: Matcher[];
}

const SELECTOR = /\b((?:perfbot|process|nodejs)_[a-z0-9_]+|up)\{([^}]*)\}/g;
const MATCHER = /\s*([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*,?/g;

function selectors(expr: string): Selector[] {
  return [...expr.matchAll(SELECTOR)].map((m) => ({
    metric: (m[1] as string).replace(/_(bucket|count|sum)$/, ''),
    matchers: [...(m[2] as string).matchAll(MATCHER)].map((x) => ({
      label: x[1] as string,
      op: x[2] as string,
      value: x[3] as string,
    })),
  }));
}

/** Labels named in by (…) / without (…) / on (…) / ignoring (…) clauses. */
function groupingLabels(expr: string): string[] {
  return [...expr.matchAll(/\b(?:by|without|on|ignoring)\s*\(([^)]*)\)/g)].flatMap((m) =>
    (m[1] as string)
      .split(',')
      .map((l) => l.trim())
      .filter(Boolean),
  );
}

/** The literal values a matcher names: itself, or the branches of a plain a|b|c regex. */
function literals(m: Matcher): string[] | undefined {
  if (m.op === '=' || m.op === '!=') return [m.value];
  return /^[\w.-]+(\|[\w.-]+)*$/.test(m.value) ? m.value.split('|') : undefined;
}

const rules = (
  parse(readFileSync(`${root}/deploy/monitoring/perfbot.rules.yml`, 'utf8')) as {
    groups: { rules: { alert: string; expr: string }[] }[];
  }
).groups.flatMap((g) => g.rules.map((r) => ({ where: r.alert, expr: r.expr })));
const dashboard = JSON.parse(readFileSync(`${root}/deploy/monitoring/grafana-dashboard.json`, 'utf8')) as {
  panels: { title: string; targets?: { expr: string }[] }[];
};
const panels = dashboard.panels.flatMap((p) =>
  (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr.replaceAll('$job', 'perfbot') })),
);

async function labelNames(): Promise<Map<string, string[]>> {
  const metrics = createMetrics();
  const out = new Map<string, string[]>();
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    const metric = metrics.registry.getSingleMetric(m.name) as unknown as { labelNames?: string[] };
    out.set(m.name, [...(metric.labelNames ?? [])]);
  }
  // Prometheus' own per-target series.
  out.set('up', []);
  return out;
}

/** Every problem of one expression: unknown metric, label or value. */
function problems(where: string, expr: string, names: Map<string, string[]>): string[] {
  const out: string[] = [];
  const sels = selectors(expr);
  const known = new Set(TARGET_LABELS);
  for (const s of sels) {
    const labels = names.get(s.metric);
    if (!labels) {
      out.push(`${where}: ${s.metric} is not served`);
      continue;
    }
    for (const l of labels) known.add(l);
    for (const m of s.matchers) {
      if (!labels.includes(m.label) && !TARGET_LABELS.includes(m.label)) {
        out.push(`${where}: ${s.metric} has no label ${m.label}`);
        continue;
      }
      const allowed = VALUES[s.metric]?.[m.label];
      if (!allowed) continue;
      const values = literals(m);
      if (!values)
        out.push(`${where}: ${s.metric}{${m.label}${m.op}"${m.value}"} is not a plain alternation`);
      for (const v of values ?? [])
        if (!allowed.includes(v)) out.push(`${where}: ${s.metric} never has ${m.label}="${v}"`);
    }
  }
  for (const l of groupingLabels(expr))
    if (!known.has(l)) out.push(`${where}: groups by ${l}, which none of its series has`);
  return out;
}

describe('PromQL shipped for perfbot itself', () => {
  it('finds the selectors of every rule and panel', () => {
    expect(rules.length).toBe(8);
    expect(panels.length).toBeGreaterThanOrEqual(20);
    for (const { where, expr } of [...rules, ...panels])
      expect(selectors(expr).length, where).toBeGreaterThan(0);
  });

  it('uses only labels and label values perfbot emits', async () => {
    const names = await labelNames();
    const found = [...rules, ...panels].flatMap(({ where, expr }) => problems(where, expr, names));
    expect(found).toEqual([]);
  });

  it('would catch a value no code emits, a label no series has and a metric not served', async () => {
    const names = await labelNames();
    expect(
      problems('r', 'sum(rate(perfbot_slack_api_calls_total{job="perfbot", outcome="error"}[5m]))', names),
    ).toEqual(['r: perfbot_slack_api_calls_total never has outcome="error"']);
    expect(problems('r', 'perfbot_queue_jobs{state=~"waiting|queued"}', names)).toEqual([
      'r: perfbot_queue_jobs never has state="queued"',
    ]);
    expect(problems('r', 'sum by (reason) (perfbot_http_requests_total{path="/x"})', names)).toEqual([
      'r: perfbot_http_requests_total has no label path',
      'r: groups by reason, which none of its series has',
    ]);
    expect(problems('r', 'perfbot_jobs_total{job="perfbot"}', names)).toEqual([
      'r: perfbot_jobs_total is not served',
    ]);
  });
});
