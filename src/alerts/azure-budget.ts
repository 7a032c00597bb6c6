// Azure budget alerts in their own, older format: `schemaId: "AIP Budget Notification"`, a flat
// `data` with the budget and its spend and no alert id, rule, severity or time. Cost Management
// sends it to an action group even when the common alert schema is on (Microsoft's samples for
// test actions show it; newer budgets send the common schema with `monitoringService:
// "CostAlerts"`, read in azure-context.ts). It becomes the same alert as a common-schema budget
// alert: named and grouped by the budget, never resolved by Azure.
import { finiteNumber, iso, type JsonObject, optionalString, requireObject, requireString } from './read.js';
import type { Alert, AlertBatch, ParseOptions } from './schema.js';

export const LEGACY_BUDGET_SCHEMA_ID = 'AIP Budget Notification';

/** What `parseAzureMonitor` writes in `annotations.resolution` for kinds Azure never resolves. */
export type ManualNote = (what: string) => string;

export function parseLegacyBudget(root: JsonObject, options: ParseOptions, manual: ManualNote): AlertBatch {
  const data = requireObject(root.data, 'data');
  const name = requireString(data, 'BudgetName', 'data');
  const subscription = requireString(data, 'SubscriptionId', 'data');
  const group = optionalString(data, 'ResourceGroup');
  // The budget's resource id, as the common schema's `AlertData.BudgetId` spells it.
  const scope = `/subscriptions/${subscription}${group ? `/resourceGroups/${group}` : ''}`;
  const budgetId = `${scope}/providers/Microsoft.Consumption/budgets/${name}`;

  const labels: Record<string, string> = { alertname: name };
  const put = (key: string, value: unknown) => {
    if (typeof value === 'string' && value !== '' && !(key in labels)) labels[key] = value;
  };
  put('monitoringService', 'CostAlerts');
  put('alertCategory', 'budgets');
  put('budgetName', name);
  put('budgetType', data.BudgetType);
  put('currency', data.Unit);
  put('subscription', subscription);
  put('resourceGroup', group);
  const annotations: Record<string, string> = {};
  const note = (key: string, value: unknown) => {
    if (typeof value === 'string' && value !== '') annotations[key] = value;
  };
  note('scope', scope);
  note('subscriptionName', data.SubscriptionName);
  note('budget', data.Budget);
  note('notificationThreshold', data.NotificationThresholdAmount);
  note('spentAmount', data.SpendingAmount);
  note('budgetStartDate', data.BudgetStartDate);
  note('resolution', manual('budget and cost alerts'));

  const alert: Alert = {
    source: 'azure-monitor',
    name,
    status: 'firing',
    labels,
    annotations,
    // The format carries no time: the alert starts when perfbot hears of it.
    startsAt: iso(options.now().getTime()),
    // One alert per threshold of the budget: the same crossing again is a repeat, not a new alert.
    fingerprint: `${budgetId}@${String(data.NotificationThresholdAmount ?? '')}`,
  };
  const spent = finiteNumber(data.SpendingAmount);
  if (spent !== undefined) alert.value = spent;
  return { source: 'azure-monitor', group: budgetId, alerts: [alert], meta: { kind: 'budget' } };
}
