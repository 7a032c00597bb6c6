// Azure Monitor alert kinds beyond metric alerts: severities on perfbot's scale, managed
// Prometheus (the repo's own rules routed through Azure reach the same playbooks as through
// Alertmanager), budgets without an alert rule, health alerts that end, alertRuleID/alertRuleId.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseAlertmanager } from '../../src/alerts/alertmanager.js';
import { AZURE_SEVERITY, NO_RESOLUTION, parseAzureMonitor } from '../../src/alerts/azure-monitor.js';
import { PlaybookCatalog } from '../../src/playbooks/catalog.js';
import { loadPlaybooksOrThrow } from '../../src/playbooks/loader.js';
import { routeAlert } from '../../src/playbooks/route.js';
import { readUpstream, upstreamBody, upstreamEntries } from '../support/upstream.js';

const ROOT = join(import.meta.dirname, '..', '..');
const opts = { now: () => new Date('2026-01-01T00:00:00Z') };
type Payload = {
  schemaId: string;
  data: { essentials: Record<string, unknown>; alertContext: Record<string, unknown> };
};
const sample = (id: string): Payload =>
  structuredClone(
    upstreamBody(upstreamEntries('/alerts/azure-monitor').find((e) => e.id === id) as never),
  ) as Payload;
const parse = (p: unknown) => parseAzureMonitor(p, opts);

let catalog: PlaybookCatalog;
beforeAll(async () => {
  catalog = new PlaybookCatalog(await loadPlaybooksOrThrow(join(ROOT, 'playbooks')));
});

describe('Azure severities', () => {
  it('Sev0/1 are critical, Sev2 warning, Sev3/4 info; the raw value stays in azureSeverity', () => {
    const seen = ['Sev0', 'Sev1', 'Sev2', 'Sev3', 'Sev4'].map((sev) => {
      const p = sample('azure/payload-samples/test-action-metric-static-threshold');
      p.data.essentials.severity = sev;
      const labels = parse(p).alerts[0]?.labels;
      return [labels?.severity, labels?.azureSeverity];
    });
    expect(seen).toEqual([
      ['critical', 'Sev0'],
      ['critical', 'Sev1'],
      ['warning', 'Sev2'],
      ['info', 'Sev3'],
      ['info', 'Sev4'],
    ]);
    expect(AZURE_SEVERITY).toEqual({
      Sev0: 'critical',
      Sev1: 'critical',
      Sev2: 'warning',
      Sev3: 'info',
      Sev4: 'info',
    });
  });

  it('playbook triggers on severity match Azure alerts as they match Alertmanager alerts', () => {
    const p = sample('azure/payload-samples/test-action-metric-static-threshold');
    p.data.essentials.severity = 'Sev1';
    const pb = { ...catalog.playbooks[0], triggers: [{ labels: { severity: 'critical' } }] } as never;
    expect(routeAlert(parse(p).alerts[0] as never, new PlaybookCatalog([pb])).playbook).toBeDefined();
  });
});

describe('managed Prometheus', () => {
  // Every alerting rule of playbooks/alerts, as Azure Monitor's managed Prometheus sends it.
  const rules = readdirSync(join(ROOT, 'playbooks', 'alerts')).flatMap((file) => {
    const doc = parseYaml(readFileSync(join(ROOT, 'playbooks', 'alerts', file), 'utf8')) as {
      groups: {
        name: string;
        rules: { alert?: string; labels?: Record<string, string>; annotations?: Record<string, string> }[];
      }[];
    };
    return doc.groups.flatMap((g) => g.rules.filter((r) => r.alert).map((r) => ({ group: g.name, ...r })));
  });
  const viaAzure = (rule: (typeof rules)[number]) => {
    const p = sample('azure/common-schema/context-prometheus');
    const ruleGroup = `/subscriptions/s1/resourceGroups/rg/providers/Microsoft.AlertsManagement/prometheusRuleGroups/${rule.group}`;
    p.data.essentials.alertRule = `${rule.group}/${rule.alert}`;
    p.data.alertContext = {
      ...p.data.alertContext,
      ruleGroup,
      expressionValue: '0.42',
      labels: { alertname: rule.alert, ...rule.labels, pod: 'normalizer-0' },
      annotations: rule.annotations ?? {},
    };
    return parse(p);
  };
  const viaAlertmanager = (rule: (typeof rules)[number]) =>
    parseAlertmanager(
      {
        version: '4',
        groupKey: `{}:{alertname="${rule.alert}"}`,
        alerts: [
          {
            status: 'firing',
            labels: { alertname: rule.alert, ...rule.labels, pod: 'normalizer-0' },
            annotations: rule.annotations ?? {},
            startsAt: '2026-01-01T00:00:00Z',
          },
        ],
      },
      opts,
    );

  it('keeps the rule labels, annotations and value, and names the alert by its alertname', () => {
    expect(rules.length).toBeGreaterThan(10);
    const [first] = rules;
    const batch = viaAzure(first as (typeof rules)[number]);
    expect(batch.alerts[0]).toMatchObject({
      name: first?.alert,
      value: 0.42,
      labels: { alertname: first?.alert, ...first?.labels, pod: 'normalizer-0', azureSeverity: 'Sev3' },
      annotations: { ...first?.annotations, expression: 'sql_up > 0', expressionValue: '0.42' },
    });
    expect(batch.group).toMatch(/prometheusRuleGroups\/.+\/.+$/);
  });

  it.each(rules.map((r) => [r.alert, r] as const))(
    '%s routes to the same playbook through Azure as through Alertmanager',
    (_name, rule) => {
      const azure = routeAlert(viaAzure(rule).alerts[0] as never, catalog);
      const am = routeAlert(viaAlertmanager(rule).alerts[0] as never, catalog);
      expect(am.playbook?.id).toBeDefined();
      expect({ playbook: azure.playbook?.id, trigger: azure.trigger }).toEqual({
        playbook: am.playbook?.id,
        trigger: am.trigger,
      });
    },
  );
});

describe('alert rule identity', () => {
  it('reads alertRuleID and alertRuleId alike', () => {
    const p = sample('azure/payload-samples/test-action-metric-static-threshold');
    const id =
      '/subscriptions/s1/resourceGroups/rg/providers/microsoft.insights/metricAlerts/test-metricAlertRule';
    expect(
      parse({ ...p, data: { ...p.data, essentials: { ...p.data.essentials, alertRuleID: id } } }).group,
    ).toBe(id);
    expect(
      parse({ ...p, data: { ...p.data, essentials: { ...p.data.essentials, alertRuleId: id } } }).group,
    ).toBe(id);
  });

  it('a budget alert (alertRule null) is named and grouped by its budget', () => {
    const batch = parse(sample('azure/payload-samples/test-action-cost-budget'));
    expect(batch.group).toMatch(/\/budgets\/Test_actual_cost_budget$/);
    expect(batch.alerts[0]?.name).toBe('Test_actual_cost_budget');
    const bare = sample('azure/payload-samples/test-action-cost-budget');
    bare.data.alertContext = { AlertCategory: 'budgets', AlertData: {} };
    expect(parse(bare)).toMatchObject({
      group: 'budgets:/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e/budgets alert',
      alerts: [{ name: 'budgets alert' }],
    });
  });

  it('monitorCondition null is a firing budget alert, and still a 400 for any other kind', () => {
    expect(parse(sample('azure/azure-docs/test-action-actual-cost-budget')).alerts[0]?.status).toBe('firing');
    const p = sample('azure/payload-samples/test-action-metric-static-threshold');
    p.data.essentials.monitorCondition = null;
    expect(() => parse(p)).toThrow(expect.objectContaining({ field: 'data.essentials.monitorCondition' }));
  });

  it('a legacy "AIP Budget Notification" is grouped by the budget; the same threshold again is the same alert', () => {
    const body = sample('azure/azure-docs/test-action-budget-aip') as unknown as {
      data: Record<string, unknown>;
    };
    const first = parse(body);
    expect(first.group).toBe(
      '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/test-RG/providers/Microsoft.Consumption/budgets/test-budgetName',
    );
    const again = parseAzureMonitor(body, { now: () => new Date('2026-01-02T00:00:00Z') });
    expect(again.alerts[0]?.fingerprint).toBe(first.alerts[0]?.fingerprint);
    const higher = parse({ ...body, data: { ...body.data, NotificationThresholdAmount: '9500.0' } });
    expect(higher.alerts[0]?.fingerprint).not.toBe(first.alerts[0]?.fingerprint);
    const { BudgetName: _, ...unnamed } = body.data;
    expect(() => parse({ ...body, data: unnamed })).toThrow(
      expect.objectContaining({ field: 'data.BudgetName' }),
    );
  });

  it('a firedDateTime without a zone is UTC; one that is no time at all is a 400', () => {
    const p = sample('azure/payload-samples/test-action-metric-static-threshold');
    p.data.essentials.firedDateTime = '2021-11-17T05:34:48.0623172';
    expect(parse(p).alerts[0]?.startsAt).toBe('2021-11-17T05:34:48.062Z');
    p.data.essentials.firedDateTime = '17/11/2021 05:34';
    expect(() => parse(p)).toThrow(expect.objectContaining({ field: 'data.essentials.firedDateTime' }));
  });

  it('other alerts still need their alert rule (400 naming the field)', () => {
    const p = sample('azure/payload-samples/test-action-log-v2');
    p.data.essentials.alertRule = null;
    expect(() => parse(p)).toThrow(expect.objectContaining({ field: 'data.essentials.alertRule' }));
  });
});

describe('activity log, service health, resource health', () => {
  it('a Service Health event fires while active and resolves when its stage says so (same fingerprint)', () => {
    const resolved = sample('azure/payload-samples/test-action-service-health');
    const active = structuredClone(resolved);
    const props = active.data.alertContext.properties as Record<string, unknown>;
    props.stage = 'Active';
    active.data.alertContext.status = 'Active';
    active.data.essentials.alertId = `${String(active.data.essentials.alertId)}-first`;
    const [a, r] = [parse(active).alerts[0], parse(resolved).alerts[0]];
    expect(a).toMatchObject({ status: 'firing', fingerprint: 'service-health:TEST-TTT' });
    expect(r).toMatchObject({ status: 'resolved', fingerprint: 'service-health:TEST-TTT' });
    expect(a?.annotations.resolution).toBeUndefined();
  });

  it('a Resource Health alert resolves when the resource is available again', () => {
    const down = sample('azure/payload-samples/test-action-resource-health');
    const up = structuredClone(down);
    Object.assign(up.data.alertContext.properties as object, {
      currentHealthStatus: 'Available',
      previousHealthStatus: 'Unavailable',
    });
    up.data.alertContext.status = 'Resolved';
    up.data.alertContext.operationName = 'Microsoft.Resourcehealth/healthevent/Resolved/action';
    up.data.essentials.firedDateTime = '2025-04-15T18:49:45.304Z';
    up.data.alertContext.eventTimestamp = '2025-04-15T18:49:45.304Z';
    const [d, u] = [parse(down).alerts[0], parse(up).alerts[0]];
    expect(u).toMatchObject({
      status: 'resolved',
      fingerprint: d?.fingerprint,
      endsAt: '2025-04-15T18:49:45.304Z',
    });
  });

  it('other activity log alerts are marked: no resolution will be sent', () => {
    const [alert] = parse(sample('azure/payload-samples/test-action-activity-log')).alerts;
    expect(alert?.status).toBe('firing');
    expect(alert?.annotations.resolution).toBe(`${NO_RESOLUTION} activity log alerts; resolve it by hand`);
  });

  it('a dimension named like one of perfbot labels does not replace it', () => {
    const p = readUpstream<Payload>('azure-monitor/payload-samples/test-action-log-v2.json');
    const c = (p.data.alertContext.condition as { allOf: { dimensions: unknown[] }[] }).allOf[0];
    c?.dimensions.push({ name: 'severity', value: 'Error' }, { name: 'alertname', value: 'x' });
    expect(parse(p).alerts[0]?.labels).toMatchObject({ severity: 'info', alertname: 'test-logAlertRule-v2' });
  });
});
