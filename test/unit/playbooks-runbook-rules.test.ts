// The runbook's own Prometheus rules, copied into a cluster as printed, carry no `playbook`
// label: they must still open a pipeline incident when they fire in the pipeline's namespace,
// and another team's rule of the same name must not.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alerts/schema.js';
import { PlaybookCatalog } from '../../src/playbooks/catalog.js';
import { loadPlaybooksOrThrow } from '../../src/playbooks/loader.js';
import { routeAlert } from '../../src/playbooks/route.js';
import { findRunbook, runbookRules, runbookRulesText, yamlBlockAfter } from '../support/runbook-rules.js';

const ROOT = join(import.meta.dirname, '..', '..');

let catalog: PlaybookCatalog;
beforeAll(async () => {
  catalog = new PlaybookCatalog(await loadPlaybooksOrThrow(join(ROOT, 'playbooks')));
});

/** An alert as Alertmanager delivers one of these rules: its labels plus those its expression keeps. */
function firing(rule: { alert: string; labels?: Record<string, string> }, namespace: string): Alert {
  return {
    source: 'alertmanager',
    name: rule.alert,
    status: 'firing',
    labels: {
      alertname: rule.alert,
      ...rule.labels,
      namespace,
      pod: 'normalization-service-7d9f-abcde',
      container: 'normalization-service',
      instance: '10.0.0.7:9090',
      job: 'kubelet',
    },
    annotations: {},
    startsAt: '2026-11-22T13:00:00.000Z',
    fingerprint: `${rule.alert}-${namespace}`,
  };
}

describe("the data pipeline runbook's own alert rules", () => {
  it('the fixture is the rule block exactly as the runbook prints it', (ctx) => {
    const md = findRunbook('data-pipeline-performance');
    if (!md) {
      console.log('skipped: ../shared/runbooks/data-pipeline-performance.md not found beside the repository');
      ctx.skip();
      return;
    }
    expect(yamlBlockAfter(readFileSync(md, 'utf8'), '### Performance Alerts')).toBe(
      runbookRulesText('data-pipeline-performance'),
    );
  });

  it('carry no playbook label and are exactly HighLatency, HighCPUUsage, HighMemoryUsage', () => {
    const rules = runbookRules('data-pipeline-performance');
    expect(rules.map((r) => r.alert)).toEqual(['HighLatency', 'HighCPUUsage', 'HighMemoryUsage']);
    for (const r of rules) expect(r.labels).toEqual({ severity: 'warning' });
  });

  it('route to data-pipeline when they fire in namespace data-processing', () => {
    for (const rule of runbookRules('data-pipeline-performance')) {
      const d = routeAlert(firing(rule, 'data-processing'), catalog);
      expect(d.playbook?.id, rule.alert).toBe('data-pipeline');
      expect(d.trigger?.description).toBe(`alertname="${rule.alert}", namespace="data-processing"`);
    }
  });

  it("do not route another team's alert of the same name in another namespace", () => {
    for (const rule of runbookRules('data-pipeline-performance')) {
      expect(routeAlert(firing(rule, 'payments'), catalog).playbook, rule.alert).toBeUndefined();
    }
  });

  it("the sentinel runbook's alert routes by its name as written", () => {
    const alert = firing({ alert: 'Processing latency exceeded threshold' }, 'default');
    expect(routeAlert(alert, catalog).playbook?.id).toBe('sentinel-connector');
  });
});
