// deploy/monitoring/grafana-dashboard.json: every query parses as PromQL (promtool checks it as
// a recording rule) and asks only for series perfbot really serves.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createMetrics } from '../../src/metrics.js';

const PROMTOOL = '/usr/bin/promtool';
const root = fileURLToPath(new URL('../..', import.meta.url));

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; w: number };
  targets?: { expr: string }[];
}
const dashboard = JSON.parse(readFileSync(`${root}/deploy/monitoring/grafana-dashboard.json`, 'utf8')) as {
  uid: string;
  panels: Panel[];
};
const exprs = dashboard.panels.flatMap((p) =>
  (p.targets ?? []).map((t) => ({ title: p.title, expr: t.expr })),
);

/** Grafana's variables as Prometheus would see them after substitution. */
const substitute = (expr: string) => expr.replaceAll('$__rate_interval', '5m').replaceAll('$job', 'perfbot');

describe('Grafana dashboard', () => {
  it('lays out panels with unique ids inside the 24-column grid', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
    expect(exprs.length).toBeGreaterThanOrEqual(20);
  });

  it('queries only series that perfbot serves (and up)', async () => {
    const served = new Set((await createMetrics().registry.getMetricsAsJSON()).map((m) => m.name));
    served.add('up');
    for (const { title, expr } of exprs) {
      const names = [...expr.matchAll(/\b((?:perfbot|process|nodejs)_[a-z0-9_]+|up)\{/g)].map((m) =>
        (m[1] as string).replace(/_(bucket|count|sum)$/, ''),
      );
      expect(names.length, title).toBeGreaterThan(0);
      for (const n of names) expect(served.has(n), `${title}: ${n}`).toBe(true);
    }
  });

  it.skipIf(!existsSync(PROMTOOL))('has queries that parse as PromQL', async () => {
    const dir = await mkdtemp(`${tmpdir()}/dashboard-`);
    try {
      const rules = exprs.map((e, i) => ({ record: `dashboard:panel_${i}`, expr: substitute(e.expr) }));
      await writeFile(`${dir}/dashboard.rules.yml`, stringify({ groups: [{ name: 'dashboard', rules }] }));
      const { stdout } = await promisify(execFile)(PROMTOOL, [
        'check',
        'rules',
        `${dir}/dashboard.rules.yml`,
      ]);
      expect(stdout).toContain(`SUCCESS: ${rules.length} rules found`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
if (!existsSync(PROMTOOL))
  console.log(`skipping the PromQL parse of the dashboard: ${PROMTOOL} is not installed`);
