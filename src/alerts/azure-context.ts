// The part of an Azure Monitor alert that varies by kind: `alertContext`, read per kind into
// labels (what triggers match), annotations (what people read), the value, and — for the kinds
// whose `monitorCondition` stays "Fired" — whether the alert is over. Kinds and their fields:
// https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-payload-samples
import { finiteNumber, isObject, type JsonObject, optionalString, parseTime } from './read.js';

export type AzureKind =
  | 'metric'
  | 'log'
  | 'log-v1'
  | 'prometheus'
  | 'smart-detector'
  | 'activity-log'
  | 'service-health'
  | 'resource-health'
  | 'budget';

export interface ContextReading {
  /** 'none': Azure never notifies the end of alerts of this kind; people resolve them by hand. */
  resolution: 'sent' | 'none';
  /** The kind in words, for the "no resolution" note. */
  what: string;
  /** The alert context says the event is over (service and resource health). */
  resolved?: boolean;
  startsMs?: number;
  endsMs?: number;
  /** Identity across notifications where `alertId` is not (a new alert instance per event). */
  fingerprint?: string;
  link?: string;
  value?: number;
}

type Put = (key: string, value: unknown) => void;

const squash = (v: unknown) => (typeof v === 'string' ? v.toLowerCase().replace(/[\s_-]+/g, '') : '');

export function alertKind(ess: JsonObject, context: JsonObject): AzureKind {
  const service = squash(ess.monitoringService);
  const signal = squash(ess.signalType);
  const operation = squash(context.operationName);
  if (service === 'costalerts' || isObject(context.AlertData)) return 'budget';
  if (service === 'prometheus' || (typeof context.expression === 'string' && 'ruleGroup' in context))
    return 'prometheus';
  if (service === 'servicehealth' || operation.startsWith('microsoft.servicehealth')) return 'service-health';
  if (service === 'resourcehealth' || operation.startsWith('microsoft.resourcehealth'))
    return 'resource-health';
  if (signal === 'activitylog' || service.startsWith('activitylog')) return 'activity-log';
  if (service === 'smartdetector') return 'smart-detector';
  // Log search alerts of the legacy API (V1) carry the query at the top of the context.
  if (typeof context.SearchQuery === 'string') return 'log-v1';
  return signal === 'log' ? 'log' : 'metric';
}

/** Service Health stages after which nothing more happens to the event. */
const OVER_STAGES = new Set(['resolved', 'complete', 'canceled', 'cancelled', 'rca']);

export function readContext(
  kind: AzureKind,
  context: JsonObject,
  put: Put,
  note: (key: string, value: unknown) => void,
  target: string | undefined,
): ContextReading {
  const props = isObject(context.properties) ? context.properties : {};
  switch (kind) {
    case 'prometheus': {
      // Managed Prometheus: the rule's labels, annotations and value, as Alertmanager sends them.
      if (isObject(context.labels)) for (const [k, v] of Object.entries(context.labels)) put(k, v);
      if (isObject(context.annotations)) for (const [k, v] of Object.entries(context.annotations)) note(k, v);
      note('expression', context.expression);
      note('expressionValue', context.expressionValue);
      note('ruleGroup', context.ruleGroup);
      return { resolution: 'sent', what: 'Prometheus alerts', value: finiteNumber(context.expressionValue) };
    }
    case 'service-health': {
      put('azureService', props.service);
      put('region', props.region);
      put('incidentType', props.incidentType);
      put('trackingId', props.trackingId);
      note('summary', props.title);
      note('stage', props.stage);
      note('impactStartTime', props.impactStartTime);
      note('impactMitigationTime', props.impactMitigationTime);
      // Each communication about one event is a new alert instance (a new alertId) that still
      // says "Fired"; the event's tracking id ties them together, and its stage says it is over.
      const trackingId = optionalString(props, 'trackingId');
      const resolved = OVER_STAGES.has(squash(props.stage)) || squash(context.status) === 'resolved';
      return {
        resolution: 'sent',
        what: 'Service Health alerts',
        resolved,
        startsMs: parseTime(props.impactStartTime),
        endsMs: resolved ? parseTime(props.impactMitigationTime) : undefined,
        fingerprint: trackingId ? `service-health:${trackingId}` : undefined,
      };
    }
    case 'resource-health': {
      put('healthStatus', props.currentHealthStatus);
      put('previousHealthStatus', props.previousHealthStatus);
      put('healthEventType', props.type);
      put('healthEventCause', props.cause);
      note('summary', props.title);
      // One resource's health: unavailable or degraded is firing, available again resolves it.
      const resolved =
        squash(context.status) === 'resolved' ||
        squash(props.currentHealthStatus) === 'available' ||
        squash(context.operationName).endsWith('/resolved/action');
      return {
        resolution: 'sent',
        what: 'Resource Health alerts',
        resolved,
        endsMs: resolved ? parseTime(context.eventTimestamp) : undefined,
        fingerprint: target ? `resource-health:${target.toLowerCase()}` : undefined,
      };
    }
    case 'activity-log': {
      put('operationName', context.operationName);
      put('eventSource', context.eventSource);
      put('level', context.level);
      put('eventStatus', context.status);
      note('caller', context.caller);
      note('eventTimestamp', context.eventTimestamp);
      note('summary', props.description ?? props.message);
      return { resolution: 'none', what: 'activity log alerts' };
    }
    case 'budget': {
      const d = isObject(context.AlertData) ? context.AlertData : {};
      put('alertCategory', context.AlertCategory);
      put('budgetName', d.BudgetName);
      put('budgetType', d.BudgetType);
      put('thresholdType', d.ThresholdType);
      put('currency', d.Unit);
      note('scope', d.Scope);
      note('budgetThreshold', d.BudgetThreshold);
      note('notificationThreshold', d.NotificationThresholdAmount);
      note('spentAmount', d.SpentAmount);
      note('forecastedTotal', d.ForecastedTotalForPeriod);
      return { resolution: 'none', what: 'budget and cost alerts', value: money(d.SpentAmount) };
    }
    case 'log-v1': {
      dimensions(context.Dimensions, put);
      note('searchQuery', context.SearchQuery);
      note('operator', context.Operator);
      note('threshold', context.Threshold);
      note('alertType', context.AlertType);
      const link =
        optionalString(context, 'LinkToFilteredSearchResultsUI') ??
        optionalString(context, 'LinkToSearchResults');
      // Alerts of the legacy log search API are stateless: each evaluation that matches fires anew.
      return {
        resolution: 'none',
        what: 'log search alerts of the legacy (V1) API',
        link,
        value: finiteNumber(context.ResultCount),
      };
    }
    case 'smart-detector': {
      put('smartDetector', context.SmartDetectorId);
      note('summary', context.DetectionSummary);
      note('detectedValue', context.DetectedValue);
      note('normalValue', context.NormalValue);
      return { resolution: 'sent', what: 'smart detector alerts' };
    }
    default: {
      // Metric and log search (V2) criteria: the first `allOf` criterion is the one that fired.
      const condition = isObject(context.condition) ? context.condition : {};
      const first: unknown = Array.isArray(condition.allOf) ? condition.allOf[0] : undefined;
      const c = isObject(first) ? first : {};
      dimensions(c.dimensions, put);
      note('metricName', c.metricName);
      note('metricNamespace', c.metricNamespace);
      note('operator', c.operator);
      note('threshold', c.threshold);
      note('timeAggregation', c.timeAggregation);
      note('searchQuery', c.searchQuery);
      note('webTestName', c.webTestName);
      note('windowSize', condition.windowSize);
      note('conditionType', context.conditionType);
      const link =
        optionalString(c, 'linkToFilteredSearchResultsUI') ?? optionalString(c, 'linkToSearchResultsUI');
      return { resolution: 'sent', what: `${kind} alerts`, link, value: finiteNumber(c.metricValue) };
    }
  }
}

/** `[{name, value}]` (metric dimensions, log search columns) → labels. */
function dimensions(list: unknown, put: Put): void {
  if (!Array.isArray(list)) return;
  for (const d of list) if (isObject(d) && typeof d.name === 'string') put(d.name, d.value);
}

/** "$11,111.00" → 11111 (Cost Management writes amounts with the currency sign). */
function money(value: unknown): number | undefined {
  return typeof value === 'string' ? finiteNumber(value.replace(/[^\d.-]/g, '')) : finiteNumber(value);
}
