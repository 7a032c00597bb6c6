// Every Azure Monitor payload Microsoft publishes (test/fixtures/upstream/index.json) through
// POST /alerts/azure-monitor of a real perfbot server with the repo's playbooks: none refused,
// and the incident each one makes, written out.
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlaybookCatalog } from '../../src/playbooks/catalog.js';
import { loadPlaybooksOrThrow } from '../../src/playbooks/loader.js';
import { testRedis } from '../support/redis.js';
import { startUpstreamServer, upstreamBody, upstreamEntries } from '../support/upstream.js';

const ROUTE = '/alerts/azure-monitor';
const SUB = '/subscriptions/aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e';
const DOC_SUB = '/subscriptions/<subscription ID>';
const OLD_SUB = '/subscriptions/11111111-1111-1111-1111-111111111111';
const NOW = new Date('2026-03-01T09:00:00Z');
const MANUAL = (what: string) =>
  `no resolution will be sent: Azure Monitor does not resolve ${what}; resolve it by hand`;

interface Expected {
  incident: { status: 'open' | 'resolved'; title: string; firingCount: number };
  alert: Record<string, unknown>;
  /** The alert's own `resolution` note: Azure never sends the end of this kind. */
  manual?: string;
}

const fragment = (id: string) => `fragment-common-schema-${id}`;
const sev4 = { severity: 'info', azureSeverity: 'Sev4' };
const sev3 = { severity: 'info', azureSeverity: 'Sev3' };

const EXPECTED: Record<string, Expected> = {
  'azure/payload-samples/sample-alert-payload': {
    incident: { status: 'resolved', title: 'WCUS-R2-Gen2', firingCount: 0 },
    alert: {
      status: 'resolved',
      startsAt: '2019-03-22T13:58:24.371Z',
      endsAt: '2019-03-22T14:03:16.224Z',
      value: 7.727,
      labels: { ...sev3, ResourceId: 'b1b1b1b1-cccc-dddd-eeee-f2f2f2f2f2f2', resource: 'wcus-r2-gen2' },
      annotations: { metricName: 'Percentage CPU', threshold: '25', operator: 'GreaterThan' },
    },
  },
  'azure/common-schema/sample-alert-payload': {
    incident: { status: 'resolved', title: 'WCUS-R2-Gen2', firingCount: 0 },
    alert: { status: 'resolved', value: 7.727, labels: { ...sev3, Key1: 'Value1', Key2: 'Value2' } },
  },
  'azure/payload-samples/test-action-activity-log': {
    incident: { status: 'open', title: 'test-activityLogAlertRule', firingCount: 1 },
    alert: {
      labels: {
        ...sev4,
        operationName: 'Microsoft.Compute/virtualMachines/restart/action',
        eventSource: 'Administrative',
        eventStatus: 'Succeeded',
      },
      annotations: {
        caller: 'user@contoso.com',
        summary: 'Microsoft.Compute/virtualMachines/restart/action',
      },
    },
    manual: 'activity log alerts',
  },
  'azure/payload-samples/test-action-availability-test': {
    incident: { status: 'open', title: 'test-availabilityTest-test-applicationInsights', firingCount: 1 },
    alert: {
      value: 5,
      labels: { ...sev4, customKey1: 'value1' },
      annotations: {
        webTestName: 'test-availabilityTest-test-applicationInsights',
        metricName: 'FailedLocation',
      },
    },
  },
  'azure/payload-samples/test-action-budget': {
    incident: { status: 'open', title: 'Test_forcasted_budget', firingCount: 1 },
    alert: {
      value: 999.99,
      labels: { budgetName: 'Test_forcasted_budget', thresholdType: 'Forecasted', currency: 'USD' },
      annotations: { spentAmount: '$999.99', forecastedTotal: '$1111.11', budgetThreshold: '$50.00' },
    },
    manual: 'budget and cost alerts',
  },
  'azure/payload-samples/test-action-cost-budget': {
    incident: { status: 'open', title: 'Test_actual_cost_budget', firingCount: 1 },
    alert: {
      value: 11111,
      labels: { budgetName: 'Test_actual_cost_budget', thresholdType: 'Actual', alertCategory: 'budgets' },
      annotations: { spentAmount: '$11,111.00', notificationThreshold: '$25.00' },
    },
    manual: 'budget and cost alerts',
  },
  'azure/payload-samples/test-action-forecasted-budget': {
    incident: { status: 'open', title: 'Test_forcasted_budget', firingCount: 1 },
    alert: { value: 999.99, labels: { budgetType: 'Cost', thresholdType: 'Forecasted' } },
    manual: 'budget and cost alerts',
  },
  'azure/payload-samples/test-action-log-v1-metric-measurement': {
    incident: { status: 'open', title: 'test-logAlertRule-v1-metricMeasurement', firingCount: 1 },
    alert: {
      value: 2,
      labels: sev4,
      annotations: { alertType: 'Metric measurement', operator: 'Greater Than', threshold: '0' },
      generatorURL: expect.stringMatching(/^https:\/\/portal\.azure\.com#@/),
    },
    manual: 'log search alerts of the legacy (V1) API',
  },
  'azure/payload-samples/test-action-log-v1-number-of-results': {
    incident: { status: 'open', title: 'test-logAlertRule-v1-numResults', firingCount: 1 },
    alert: {
      value: 1,
      labels: { ...sev4, resource: 'test-computer' },
      annotations: { searchQuery: 'Heartbeat' },
    },
    manual: 'log search alerts of the legacy (V1) API',
  },
  'azure/payload-samples/test-action-log-v2': {
    incident: { status: 'open', title: 'test-logAlertRule-v2', firingCount: 1 },
    alert: {
      value: 3,
      labels: { ...sev4, Computer: 'test-computer' },
      annotations: { searchQuery: 'Heartbeat', conditionType: 'LogQueryCriteria', windowSize: 'PT1H' },
    },
  },
  'azure/payload-samples/test-action-metric-dynamic-threshold': {
    incident: { status: 'open', title: 'test-dynamicMetricAlertRule', firingCount: 1 },
    alert: { value: 78.09, annotations: { conditionType: 'DynamicThresholdCriteria', threshold: '0.3' } },
  },
  'azure/payload-samples/test-action-metric-static-threshold': {
    incident: { status: 'open', title: 'test-metricAlertRule', firingCount: 1 },
    alert: {
      value: 100,
      labels: { ...sev4, ApiName: 'GetBlob' },
      annotations: { metricName: 'Transactions' },
    },
  },
  'azure/payload-samples/test-action-resource-health': {
    incident: { status: 'open', title: 'test-ResourceHealthAlertRule', firingCount: 1 },
    alert: {
      fingerprint: `resource-health:${SUB}/resourcegroups/test-rg/providers/microsoft.compute/virtualmachines/test-vm`,
      labels: { ...sev4, healthStatus: 'Unavailable', previousHealthStatus: 'Available' },
      annotations: { summary: 'Rebooted by user' },
    },
  },
  'azure/payload-samples/test-action-service-health': {
    // monitorCondition says "Fired"; the event's stage and status say it is over.
    incident: { status: 'resolved', title: 'test-ServiceHealthAlertRule', firingCount: 0 },
    alert: {
      status: 'resolved',
      fingerprint: 'service-health:TEST-TTT',
      endsAt: '2025-04-15T18:20:36.256Z',
      labels: { ...sev4, azureService: 'AzureServiceName', incidentType: 'Incident', trackingId: 'TEST-TTT' },
      annotations: { stage: 'Resolved', summary: 'TestActionGroup-TestServiceHealthAlert' },
    },
  },
  'azure/payload-samples/test-action-smart-alert': {
    incident: { status: 'open', title: 'test-SmartAlertRule', firingCount: 1 },
    alert: {
      labels: { ...sev4, smartDetector: 'DependencyPerformanceDegradationDetector' },
      annotations: { detectedValue: '0.45 sec', summary: expect.stringContaining('degradation') },
    },
  },
  'azure/common-schema/context-metric-static': {
    incident: { status: 'open', title: fragment('metric-static'), firingCount: 1 },
    alert: { value: 31.1105, labels: { ResourceId: 'a0a0a0a0-bbbb-cccc-dddd-e1e1e1e1e1e1' } },
  },
  'azure/common-schema/context-metric-dynamic': {
    incident: { status: 'open', title: fragment('metric-dynamic'), firingCount: 1 },
    alert: { value: 50101, annotations: { metricName: 'Egress', timeAggregation: 'Total' } },
  },
  'azure/common-schema/context-metric-availability': {
    incident: { status: 'open', title: fragment('metric-availability'), firingCount: 1 },
    alert: { value: 5, annotations: { webTestName: 'myAvailabilityTest-myApplication' } },
  },
  'azure/common-schema/context-log-analytics': {
    incident: { status: 'open', title: fragment('log-analytics'), firingCount: 1 },
    alert: { value: 2, labels: { Computer: 'INC-Gen2Alert' }, annotations: { operator: 'Less Than' } },
    manual: 'log search alerts of the legacy (V1) API',
  },
  'azure/common-schema/context-application-insights': {
    incident: { status: 'open', title: fragment('application-insights'), firingCount: 1 },
    alert: { value: 2, labels: { IP: '1.1.1.1' } },
    manual: 'log search alerts of the legacy (V1) API',
  },
  'azure/common-schema/context-log-alerts-v2': {
    incident: { status: 'open', title: fragment('log-alerts-v2'), firingCount: 1 },
    alert: { value: 0, labels: { Computer: 'TestComputer' }, annotations: { operator: 'LowerThan' } },
  },
  'azure/common-schema/context-simple-log-alert': {
    incident: { status: 'open', title: fragment('simple-log-alert'), firingCount: 1 },
    alert: { value: 1, annotations: { searchQuery: expect.stringContaining('exceptions') } },
  },
  'azure/common-schema/context-activity-administrative': {
    incident: { status: 'open', title: fragment('activity-administrative'), firingCount: 1 },
    alert: { labels: { eventSource: 'Administrative', level: 'Informational' } },
    manual: 'activity log alerts',
  },
  'azure/common-schema/context-activity-policy': {
    incident: { status: 'open', title: fragment('activity-policy'), firingCount: 1 },
    alert: { labels: { operationName: 'Microsoft.Authorization/policies/audit/action', level: 'Warning' } },
    manual: 'activity log alerts',
  },
  'azure/common-schema/context-activity-autoscale': {
    incident: { status: 'open', title: fragment('activity-autoscale'), firingCount: 1 },
    alert: {
      labels: { eventSource: 'Autoscale' },
      annotations: { summary: expect.stringContaining('9 instances') },
    },
    manual: 'activity log alerts',
  },
  'azure/common-schema/context-activity-security': {
    incident: { status: 'open', title: fragment('activity-security'), firingCount: 1 },
    alert: { labels: { ...sev3, eventSource: 'Security', eventStatus: 'Active' } },
    manual: 'activity log alerts',
  },
  'azure/common-schema/context-service-health': {
    // Planned maintenance: firing from the impact start until a later stage ends it.
    incident: { status: 'open', title: fragment('service-health'), firingCount: 1 },
    alert: {
      status: 'firing',
      startsAt: '2019-06-26T04:00:00.000Z',
      fingerprint: 'service-health:<GUID>',
      labels: { azureService: 'Azure Synapse Analytics', region: 'East US', incidentType: 'Maintenance' },
      annotations: { stage: 'Planned' },
    },
  },
  'azure/payload-samples/context-service-health': {
    incident: { status: 'open', title: 'fragment-payload-samples-service-health', firingCount: 1 },
    alert: { status: 'firing', labels: { azureService: 'Azure Synapse Analytics', trackingId: '<GUID>' } },
  },
  'azure/common-schema/context-resource-health': {
    incident: { status: 'open', title: fragment('resource-health'), firingCount: 1 },
    alert: { labels: { healthStatus: 'Unavailable', healthEventCause: 'UserInitiated' } },
  },
  'azure/common-schema/context-prometheus': {
    incident: { status: 'open', title: fragment('prometheus'), firingCount: 1 },
    alert: {
      value: 0,
      labels: { Environment: 'Prod', cluster: 'myCluster1', ...sev3 },
      annotations: { summary: 'alert on SQL availability', expression: 'sql_up > 0', expressionValue: '0' },
    },
  },
  // Microsoft's earlier test-action samples (MicrosoftDocs/azure-docs): shapes the current ones no
  // longer show, still sent by older senders.
  'azure/azure-docs/test-action-budget-aip': {
    // "AIP Budget Notification": no alert id, rule, severity or time; the budget is the rule.
    incident: { status: 'open', title: 'test-budgetName', firingCount: 1 },
    alert: {
      startsAt: NOW.toISOString(),
      value: 1111.32,
      fingerprint: `${OLD_SUB}/resourceGroups/test-RG/providers/Microsoft.Consumption/budgets/test-budgetName@8000.0`,
      labels: {
        alertname: 'test-budgetName',
        budgetName: 'test-budgetName',
        budgetType: 'Cost',
        currency: 'USD',
        resourceGroup: 'test-RG',
      },
      annotations: { budget: '10000', notificationThreshold: '8000.0', spentAmount: '1111.32' },
    },
    manual: 'budget and cost alerts',
  },
  'azure/azure-docs/test-action-actual-cost-budget': {
    // monitorCondition: null — a budget alert only ever fires.
    incident: { status: 'open', title: 'Test_actual_cost_budget', firingCount: 1 },
    alert: { status: 'firing', value: 11111, labels: { thresholdType: 'Actual' } },
    manual: 'budget and cost alerts',
  },
  'azure/azure-docs/test-action-forecasted-budget': {
    incident: { status: 'open', title: 'Test_forcasted_budget', firingCount: 1 },
    alert: { status: 'firing', value: 999.99, labels: { thresholdType: 'Forecasted' } },
    manual: 'budget and cost alerts',
  },
  'azure/azure-docs/test-action-service-health': {
    // firedDateTime without a zone is UTC; the stage says it is over.
    incident: { status: 'resolved', title: 'test-ServiceHealthAlertRule', firingCount: 0 },
    alert: {
      status: 'resolved',
      fingerprint: 'service-health:ABC1-DEF',
      startsAt: '2021-11-16T20:00:00.000Z',
      endsAt: '2021-11-17T01:00:00.000Z',
      labels: { azureService: 'Azure Service Name', region: 'Global', trackingId: 'ABC1-DEF' },
    },
  },
  'azure/third-party/cloudadministrator-prometheus': {
    // Azure's rule name is "<group>/<alert>"; the rule's alertname label is the name.
    incident: { status: 'open', title: 'Average node CPU utilization is greater than 80%', firingCount: 1 },
    alert: {
      labels: {
        alertname: 'Average node CPU utilization is greater than 80%',
        cluster: 'aks0001',
        job: 'node',
      },
      annotations: { expressionValue: '12.7m' },
    },
  },
};

let redis: Redis;
let prefix: string;
let catalog: PlaybookCatalog;

beforeAll(async () => {
  ({ redis, prefix } = testRedis());
  catalog = new PlaybookCatalog(
    await loadPlaybooksOrThrow(join(import.meta.dirname, '..', '..', 'playbooks')),
  );
});
afterAll(() => redis?.disconnect());

describe('Azure Monitor: the published samples through POST /alerts/azure-monitor', () => {
  const entries = upstreamEntries(ROUTE);

  it('has an expectation for every Azure sample of the index, and no other', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(entries.map((e) => e.id).sort());
  });

  it.each(entries.map((e) => [e.id, e] as const))('%s', async (id, entry) => {
    const want = EXPECTED[id] as Expected;
    const server = await startUpstreamServer({ redis, prefix, catalog, now: () => NOW });
    try {
      const res = await server.post(ROUTE, upstreamBody(entry));
      expect(res.status).toBe(202);
      const answer = (await res.json()) as { accepted: number; incidents: string[] };
      expect(answer).toMatchObject({ accepted: 1, incidents: [expect.any(String)] });
      const incident = await server.store.get(answer.incidents[0] as string);
      expect(incident).toMatchObject({
        source: 'azure-monitor',
        playbookId: null,
        alertCount: 1,
        ...want.incident,
      });
      const [alert] = incident?.alerts ?? [];
      expect(alert).toMatchObject({ name: want.incident.title, ...want.alert });
      expect(alert?.annotations.resolution).toBe(want.manual ? MANUAL(want.manual) : undefined);
    } finally {
      await server.close();
    }
  });

  it('same-named rules in two subscriptions stay two incidents; alertRuleId groups when given', async () => {
    const server = await startUpstreamServer({ redis, prefix, catalog });
    try {
      const [entry] = entries.filter(
        (e) => e.id === 'azure/payload-samples/test-action-metric-static-threshold',
      );
      const body = upstreamBody(entry as (typeof entries)[number]) as {
        data: { essentials: Record<string, unknown> };
      };
      const other = structuredClone(body);
      other.data.essentials.alertId = String(body.data.essentials.alertId).replace(SUB, DOC_SUB);
      const a = (await (await server.post(ROUTE, body)).json()) as { incidents: string[] };
      const b = (await (await server.post(ROUTE, other)).json()) as { incidents: string[] };
      expect(a.incidents[0]).not.toBe(b.incidents[0]);
      // The documented spelling alertRuleId: two alert instances of one rule (two resources of
      // a multi-resource rule) are one incident, whatever their subscriptions' names say.
      const ruleId = `${SUB}/resourceGroups/test-RG/providers/microsoft.insights/metricAlerts/shared`;
      const [c, d] = [structuredClone(body), structuredClone(other)];
      for (const [x, n] of [
        [c, 'c'],
        [d, 'd'],
      ] as const) {
        x.data.essentials.alertRuleId = ruleId;
        x.data.essentials.alertId = `${String(x.data.essentials.alertId)}-${n}`;
      }
      const ic = (await (await server.post(ROUTE, c)).json()) as { incidents: string[] };
      const id = (await (await server.post(ROUTE, d)).json()) as { incidents: string[] };
      expect(id.incidents).toEqual(ic.incidents);
      expect(await server.store.get(ic.incidents[0] as string)).toMatchObject({
        group: ruleId,
        alertCount: 2,
      });
    } finally {
      await server.close();
    }
  });

  // The case: monitorCondition stays "Fired" on every communication; the properties say
  // when it is over. Posted in order through the route, the first opens, the second resolves.
  type Sample = { data: { essentials: Record<string, unknown>; alertContext: Record<string, unknown> } };
  const inOrder = async (id: string, first: (s: Sample) => void, second: (s: Sample) => void) => {
    const [entry] = entries.filter((e) => e.id === id);
    const sample = upstreamBody(entry as (typeof entries)[number]) as Sample;
    const [a, b] = [structuredClone(sample), structuredClone(sample)];
    first(a);
    second(b);
    expect(b.data.essentials.monitorCondition).toBe('Fired');
    const server = await startUpstreamServer({ redis, prefix, catalog });
    try {
      const opened = (await (await server.post(ROUTE, a)).json()) as { incidents: string[] };
      const incident = opened.incidents[0] as string;
      expect(await server.store.get(incident)).toMatchObject({ status: 'open', firingCount: 1 });
      const later = (await (await server.post(ROUTE, b)).json()) as { incidents: string[] };
      expect(later.incidents).toEqual([incident]);
      expect(await server.store.get(incident)).toMatchObject({ status: 'resolved', alertCount: 1 });
    } finally {
      await server.close();
    }
  };
  const props = (s: Sample) => s.data.alertContext.properties as Record<string, unknown>;

  it('Service Health: an active communication opens, the "Resolved" one (still "Fired") resolves', () =>
    inOrder(
      'azure/payload-samples/test-action-service-health',
      (first) => {
        props(first).stage = 'Active';
        first.data.alertContext.status = 'Active';
        // Each communication is a new alert instance, earlier than the sample's.
        first.data.essentials.alertId = `${String(first.data.essentials.alertId)}-first`;
        first.data.essentials.firedDateTime = '2025-04-15T17:20:36.256Z';
        props(first).impactStartTime = '2025-04-15T17:20:36.256Z';
      },
      () => undefined,
    ));

  it('Resource Health: unavailable opens, available again (still "Fired") resolves', () =>
    inOrder(
      'azure/payload-samples/test-action-resource-health',
      () => undefined,
      (second) => {
        Object.assign(props(second), {
          currentHealthStatus: 'Available',
          previousHealthStatus: 'Unavailable',
        });
        second.data.essentials.alertId = `${String(second.data.essentials.alertId)}-later`;
        second.data.essentials.firedDateTime = '2025-04-15T18:49:45.304Z';
        second.data.alertContext.eventTimestamp = '2025-04-15T18:49:45.304Z';
      },
    ));
});
