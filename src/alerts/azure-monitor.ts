// Azure Monitor common alert schema
// (https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-common-schema): one alert per
// request. `alertId` is stable between the Fired and the Resolved notification of one alert
// instance, so it is the fingerprint; the alert rule groups instances (a multi-resource rule
// fires one instance per resource) into one incident. What varies per kind of alert (metric,
// log search, managed Prometheus, activity log, service and resource health, budgets) is read
// in azure-context.ts; the samples Microsoft publishes for each kind are in
// test/fixtures/upstream/azure-monitor.
import { InvalidInputError } from '../errors.js';
import { LEGACY_BUDGET_SCHEMA_ID, parseLegacyBudget } from './azure-budget.js';
import { type AzureKind, alertKind, readContext } from './azure-context.js';
import {
  describe,
  isObject,
  iso,
  type JsonObject,
  optionalString,
  parseTime,
  requireObject,
  requireOneOf,
  requireString,
} from './read.js';
import type { Alert, AlertBatch, ParseOptions } from './schema.js';

export const AZURE_SCHEMA_ID = 'azureMonitorCommonAlertSchema';

/**
 * Azure's severities on perfbot's scale (Sev0 critical … Sev4 verbose). The mapped value is the
 * `severity` label, so chat tones, `/perf status` and playbook triggers read Azure alerts as they
 * read Alertmanager's; the raw value stays in `azureSeverity`.
 */
export const AZURE_SEVERITY: Readonly<Record<string, 'critical' | 'warning' | 'info'>> = {
  Sev0: 'critical',
  Sev1: 'critical',
  Sev2: 'warning',
  Sev3: 'info',
  Sev4: 'info',
};

/** What an alert of a kind that never sends a resolution carries in `annotations.resolution`. */
export const NO_RESOLUTION = 'no resolution will be sent: Azure Monitor does not resolve';
const manual = (what: string) => `${NO_RESOLUTION} ${what}; resolve it by hand`;

export function parseAzureMonitor(body: unknown, options: ParseOptions): AlertBatch {
  const root = requireObject(body, '');
  if (root.schemaId === LEGACY_BUDGET_SCHEMA_ID) return parseLegacyBudget(root, options, manual);
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
  const context = isObject(data.alertContext) ? data.alertContext : {};
  const kind = alertKind(ess, context);
  // Cost Management alerts have been sent with `monitorCondition: null` (Microsoft's 2022–2023
  // test-action samples): they only ever fire.
  const condition =
    kind === 'budget' && (ess.monitorCondition === null || ess.monitorCondition === undefined)
      ? 'Fired'
      : requireOneOf(ess, 'monitorCondition', path, ['Fired', 'Resolved'] as const);
  const firedAt = azureTime(ess, 'firedDateTime', path);
  const rule = ruleIdentity(ess, context, kind, alertId, path);

  const labels: Record<string, string> = {};
  const put = (key: string, value: unknown) => {
    if (typeof value === 'string' && value !== '' && key !== '__proto__' && !(key in labels))
      labels[key] = value;
  };
  const annotations: Record<string, string> = {};
  const note = (key: string, value: unknown) => {
    if ((typeof value === 'string' && value !== '') || typeof value === 'number')
      annotations[key] = String(value);
  };
  const essentials = () => {
    put('alertname', rule.name);
    const raw = optionalString(ess, 'severity');
    put('severity', raw ? (AZURE_SEVERITY[raw] ?? raw.toLowerCase()) : undefined);
    put('azureSeverity', raw);
    put('signalType', ess.signalType);
    put('monitoringService', ess.monitoringService);
    put('resourceId', firstString(ess.alertTargetIDs));
    put('resource', firstString(ess.configurationItems));
    put('targetResourceType', ess.targetResourceType);
    put('targetResourceGroup', ess.targetResourceGroup);
  };
  // The first to set a label wins. A managed-Prometheus alert's labels are the rule's own, exactly
  // as Alertmanager would send them (its `severity` wins over Azure's); for the other kinds
  // Azure's fields win over metric dimensions and log columns of the same name.
  if (kind !== 'prometheus') essentials();
  const ctx = readContext(kind, context, put, note, firstString(ess.alertTargetIDs));
  if (kind === 'prometheus') essentials();
  if (isObject(data.customProperties)) {
    for (const [k, v] of Object.entries(data.customProperties)) put(k, v);
  }
  note('description', ess.description);
  if (ctx.resolution === 'none') note('resolution', manual(ctx.what));

  const resolved = condition === 'Resolved' || ctx.resolved === true;
  const startsMs = ctx.startsMs ?? firedAt;
  const alert: Alert = {
    source: 'azure-monitor',
    name: rule.name,
    status: resolved ? 'resolved' : 'firing',
    labels,
    annotations,
    startsAt: iso(startsMs),
    fingerprint: ctx.fingerprint ?? alertId,
  };
  if (resolved) {
    const ends = ctx.endsMs ?? utc(ess.resolvedDateTime) ?? (ctx.resolved ? firedAt : undefined);
    alert.endsAt = iso(Math.max(ends ?? options.now().getTime(), startsMs));
  }
  const link = optionalString(ess, 'investigationLink') ?? ctx.link;
  if (link) alert.generatorURL = link;
  if (ctx.value !== undefined) alert.value = ctx.value;

  const meta: Record<string, string | number> = { kind };
  const origin = optionalString(ess, 'originAlertId');
  if (origin) meta.originAlertId = origin;
  return { source: 'azure-monitor', group: rule.group, alerts: [alert], meta };
}

/**
 * The alert rule: its name (what triggers match as `alertname`) and the incident grouping.
 * The rule's resource id is spelled `alertRuleID` in the field table and `alertRuleId` in the
 * documented sample; both are read. Without one, the rule name is qualified by the subscription
 * of the alert, so same-named rules in two subscriptions stay two incidents.
 */
function ruleIdentity(
  ess: JsonObject,
  context: JsonObject,
  kind: AzureKind,
  alertId: string,
  path: string,
): { name: string; group: string } {
  const ruleId = optionalString(ess, 'alertRuleID') ?? optionalString(ess, 'alertRuleId');
  const subscription = /^\/subscriptions\/[^/]+/i.exec(alertId)?.[0] ?? '';
  if (kind === 'budget') {
    // Cost Management alerts have no alert rule (`alertRule: null`): the budget is the rule.
    const d = isObject(context.AlertData) ? context.AlertData : {};
    const category = optionalString(context, 'AlertCategory') ?? 'cost';
    const name = optionalString(ess, 'alertRule') ?? optionalString(d, 'BudgetName') ?? `${category} alert`;
    const group = ruleId ?? optionalString(d, 'BudgetId') ?? `${category}:${subscription}/${name}`;
    return { name, group };
  }
  const rule = requireString(ess, 'alertRule', path);
  if (kind === 'prometheus') {
    // Azure names a Prometheus alert "<rule group>/<alert>"; the rule's own alertname label is
    // the name Alertmanager would use, and the one playbook triggers are written against.
    const ruleGroup = optionalString(context, 'ruleGroup');
    const groupName = ruleGroup?.split('/').pop();
    const labels = isObject(context.labels) ? context.labels : {};
    const name =
      optionalString(labels, 'alertname') ??
      (groupName && rule.startsWith(`${groupName}/`) ? rule.slice(groupName.length + 1) : rule);
    return { name, group: ruleId ?? (ruleGroup ? `${ruleGroup}/${name}` : `rule:${subscription}/${rule}`) };
  }
  return { name: rule, group: ruleId ?? `rule:${subscription}/${rule}` };
}

/**
 * Azure's essentials times are UTC (the schema says so) and have been sent without the zone
 * ("2021-11-17T05:34:48.0623172" in a published Service Health sample): read as UTC.
 */
function utc(value: unknown): number | undefined {
  return parseTime(typeof value === 'string' && ZONELESS.test(value) ? `${value}Z` : value);
}
const ZONELESS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?$/;

function azureTime(obj: JsonObject, key: string, path: string): number {
  const ms = utc(obj[key]);
  if (ms !== undefined) return ms;
  throw new InvalidInputError(`${path}.${key}`, `expected an RFC 3339 time, got ${describe(obj[key])}`);
}

function firstString(value: unknown): string | undefined {
  return Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;
}
