// Azure Monitor common alert schema
// (https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-common-schema): one alert per
// request. `alertId` is stable between the Fired and the Resolved notification of one alert
// instance, so it is the fingerprint; the alert rule groups instances (a multi-resource rule
// fires one instance per resource) into one incident.
import { InvalidInputError } from '../errors.js';
import {
  finiteNumber,
  isObject,
  iso,
  type JsonObject,
  lenientStringMap,
  optionalString,
  parseTime,
  requireObject,
  requireOneOf,
  requireString,
  requireTime,
} from './read.js';
import type { Alert, AlertBatch, ParseOptions } from './schema.js';

export const AZURE_SCHEMA_ID = 'azureMonitorCommonAlertSchema';

export function parseAzureMonitor(body: unknown, options: ParseOptions): AlertBatch {
  const root = requireObject(body, '');
  if (root.schemaId !== AZURE_SCHEMA_ID) {
    throw new InvalidInputError(
      'schemaId',
      `expected "${AZURE_SCHEMA_ID}" (enable the common alert schema on the action group)`,
    );
  }
  const data = requireObject(root.data, 'data');
  const ess = requireObject(data.essentials, 'data.essentials');
  const path = 'data.essentials';
  const alertId = requireString(ess, 'alertId', path);
  const rule = requireString(ess, 'alertRule', path);
  const condition = requireOneOf(ess, 'monitorCondition', path, ['Fired', 'Resolved'] as const);
  const firedAt = requireTime(ess, 'firedDateTime', path);
  const context = isObject(data.alertContext) ? data.alertContext : {};
  const criterion = firstCriterion(context);

  const labels: Record<string, string> = { alertname: rule };
  const put = (key: string, value: unknown) => {
    if (typeof value === 'string' && value !== '' && key !== '__proto__') labels[key] = value;
  };
  put('severity', ess.severity);
  put('signalType', ess.signalType);
  put('monitoringService', ess.monitoringService);
  put('resourceId', firstString(ess.alertTargetIDs));
  put('resource', firstString(ess.configurationItems));
  put('targetResourceType', ess.targetResourceType);
  put('targetResourceGroup', ess.targetResourceGroup);
  if (Array.isArray(criterion?.dimensions)) {
    for (const d of criterion.dimensions) if (isObject(d) && typeof d.name === 'string') put(d.name, d.value);
  }
  for (const [k, v] of Object.entries(lenientStringMap(data.customProperties))) if (!(k in labels)) put(k, v);

  const annotations: Record<string, string> = {};
  const note = (key: string, value: unknown) => {
    if ((typeof value === 'string' && value !== '') || typeof value === 'number')
      annotations[key] = String(value);
  };
  note('description', ess.description);
  note('metricName', criterion?.metricName);
  note('metricNamespace', criterion?.metricNamespace);
  note('operator', criterion?.operator);
  note('threshold', criterion?.threshold);
  note('timeAggregation', criterion?.timeAggregation);
  note('searchQuery', criterion?.searchQuery ?? context.SearchQuery);
  note('windowSize', isObject(context.condition) ? context.condition.windowSize : undefined);
  note('conditionType', context.conditionType);

  const alert: Alert = {
    source: 'azure-monitor',
    name: rule,
    status: condition === 'Fired' ? 'firing' : 'resolved',
    labels,
    annotations,
    startsAt: iso(firedAt),
    fingerprint: alertId,
  };
  if (alert.status === 'resolved') {
    alert.endsAt = iso(parseTime(ess.resolvedDateTime) ?? options.now().getTime());
  }
  const link =
    optionalString(ess, 'investigationLink') ??
    (criterion ? optionalString(criterion, 'linkToFilteredSearchResultsUI') : undefined) ??
    optionalString(context, 'LinkToSearchResults');
  if (link) alert.generatorURL = link;
  // Metric and log-search (V2) alerts carry metricValue; the older log alerts a ResultCount.
  const value = finiteNumber(criterion?.metricValue) ?? finiteNumber(context.ResultCount);
  if (value !== undefined) alert.value = value;

  const group = optionalString(ess, 'alertRuleID') ?? `rule:${rule}`;
  const meta: Record<string, string | number> = {};
  const origin = optionalString(ess, 'originAlertId');
  if (origin) meta.originAlertId = origin;
  return { source: 'azure-monitor', group, alerts: [alert], meta };
}

/** The first `allOf` criterion of a metric or log-search condition (the one that fired). */
function firstCriterion(context: JsonObject): JsonObject | undefined {
  const condition = context.condition;
  if (!isObject(condition) || !Array.isArray(condition.allOf)) return undefined;
  const first: unknown = condition.allOf[0];
  return isObject(first) ? first : undefined;
}

function firstString(value: unknown): string | undefined {
  return Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;
}
