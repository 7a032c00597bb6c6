// A CloudWatch alarm state change, as carried in an SNS Notification's `Message` (a JSON
// string). ALARM → firing, OK → resolved. INSUFFICIENT_DATA says nothing about the system (the
// alarm lacks data to evaluate: it neither fires nor clears), so it yields no alert and leaves an
// open incident as it is. The alarm ARN is stable across state changes: it is both the
// fingerprint and the incident grouping (a new ALARM after OK opens a new incident, by its later
// time). Metric, metric-math and composite alarms differ only in what triggered them
// (cloudwatch-trigger.ts).
import { composite, metricMath, singleMetric } from './cloudwatch-trigger.js';
import {
  finiteNumber,
  isObject,
  iso,
  lenientStringMap,
  optionalString,
  requireObject,
  requireOneOf,
  requireString,
  requireTime,
} from './read.js';
import type { Alert, AlertBatch } from './schema.js';

export interface SnsContext {
  topicArn: string;
  messageId: string;
  subject?: string | undefined;
}

const ARN = /^arn:aws[\w-]*:cloudwatch:([a-z0-9-]+):(\d{12}):alarm:(.+)$/;

export function parseCloudWatchAlarm(message: string, sns: SnsContext): AlertBatch {
  const meta = { topicArn: sns.topicArn, messageId: sns.messageId };
  let body: unknown;
  try {
    body = JSON.parse(message);
  } catch {
    body = undefined;
  }
  // An allowed topic may carry other messages than alarms (a test publish, a budget, S3 events):
  // authenticated and well-formed, they are accepted and ignored rather than refused. A message
  // that is meant as an alarm but broken is still a 400 naming the field.
  if (!isObject(body) || (body.AlarmName === undefined && body.NewStateValue === undefined)) {
    return { source: 'cloudwatch', group: sns.topicArn, alerts: [], ignored: 'not a CloudWatch alarm', meta };
  }
  const path = 'Message';
  const alarm = requireObject(body, path);
  const name = requireString(alarm, 'AlarmName', path);
  const state = requireOneOf(alarm, 'NewStateValue', path, ['ALARM', 'OK', 'INSUFFICIENT_DATA'] as const);
  const changedAt = requireTime(alarm, 'StateChangeTime', path);
  const account = optionalString(alarm, 'AWSAccountId');
  const arn = optionalString(alarm, 'AlarmArn') ?? `alarm:${account ?? 'unknown'}:${name}`;
  if (state === 'INSUFFICIENT_DATA') {
    return {
      source: 'cloudwatch',
      group: arn,
      alerts: [],
      ignored: 'INSUFFICIENT_DATA: the alarm cannot evaluate (neither firing nor resolved)',
      meta: { ...meta, state },
    };
  }

  const trigger = isObject(alarm.Trigger) ? alarm.Trigger : undefined;
  const labels: Record<string, string> = {};
  // The first to set a label wins: a dimension named like one of ours cannot replace it.
  const put = (key: string, value: unknown) => {
    if (typeof value === 'string' && value !== '' && key !== '__proto__' && !(key in labels))
      labels[key] = value;
  };
  const annotations = lenientStringMap({
    description: alarm.AlarmDescription,
    reason: alarm.NewStateReason,
    summary: sns.subject,
    comparison: trigger?.ComparisonOperator,
    threshold: trigger?.Threshold,
    period: trigger?.Period,
    previousState: alarm.OldStateValue,
  });
  const note = (key: string, value: unknown) => {
    if ((typeof value === 'string' && value !== '') || typeof value === 'number')
      annotations[key] = String(value);
  };
  const region = ARN.exec(arn)?.[1];
  put('alertname', name);
  put('account', account);
  put('region', region);
  if (trigger && Array.isArray(trigger.Metrics)) metricMath(trigger.Metrics, put, note);
  else if (trigger) singleMetric(trigger, put, note);
  if (alarm.AlarmRule !== undefined || alarm.TriggeringChildren !== undefined) composite(alarm, put, note);

  const alert: Alert = {
    source: 'cloudwatch',
    name,
    status: state === 'ALARM' ? 'firing' : 'resolved',
    labels,
    annotations,
    startsAt: iso(changedAt),
    fingerprint: arn,
  };
  if (alert.status === 'resolved') alert.endsAt = iso(changedAt);
  if (region) {
    alert.generatorURL = `https://console.aws.amazon.com/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(name)}`;
  }
  const value = reasonValue(alarm.NewStateReason);
  if (value !== undefined) alert.value = value;
  return { source: 'cloudwatch', group: arn, alerts: [alert], meta: { ...meta, state } };
}

/** "… 1 datapoint [87.5 (03/05/24 12:00:00)] was greater than …" → 87.5 */
function reasonValue(reason: unknown): number | undefined {
  if (typeof reason !== 'string') return undefined;
  const m = /\[(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*\(/.exec(reason);
  return m ? finiteNumber(m[1]) : undefined;
}
