// A CloudWatch alarm state change, as carried in an SNS Notification's `Message` (a JSON
// string). ALARM → firing, OK → resolved; INSUFFICIENT_DATA says nothing about the system, so
// it yields no alert. The alarm ARN is stable across state changes: it is both the fingerprint
// and the incident grouping (a new ALARM after OK opens a new incident, by its later time).
import { InvalidInputError } from '../errors.js';
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
  let body: unknown;
  try {
    body = JSON.parse(message);
  } catch {
    throw new InvalidInputError('Message', 'expected a CloudWatch alarm as a JSON string');
  }
  const path = 'Message';
  const alarm = requireObject(body, path);
  const name = requireString(alarm, 'AlarmName', path);
  const state = requireOneOf(alarm, 'NewStateValue', path, ['ALARM', 'OK', 'INSUFFICIENT_DATA'] as const);
  const changedAt = requireTime(alarm, 'StateChangeTime', path);
  const account = optionalString(alarm, 'AWSAccountId');
  const arn = optionalString(alarm, 'AlarmArn') ?? `alarm:${account ?? 'unknown'}:${name}`;
  const meta = { topicArn: sns.topicArn, messageId: sns.messageId, state };
  if (state === 'INSUFFICIENT_DATA') return { source: 'cloudwatch', group: arn, alerts: [], meta };

  const trigger = isObject(alarm.Trigger) ? alarm.Trigger : {};
  const labels: Record<string, string> = { alertname: name };
  const put = (key: string, value: unknown) => {
    if (typeof value === 'string' && value !== '' && key !== '__proto__') labels[key] = value;
  };
  const region = ARN.exec(arn)?.[1];
  put('account', account);
  put('region', region);
  put('namespace', trigger.Namespace);
  put('metric', trigger.MetricName);
  if (Array.isArray(trigger.Dimensions)) {
    // CloudWatch writes dimensions as {value, name}; SNS keeps that shape.
    for (const d of trigger.Dimensions) if (isObject(d) && typeof d.name === 'string') put(d.name, d.value);
  }

  const annotations = lenientStringMap({
    description: alarm.AlarmDescription,
    reason: alarm.NewStateReason,
    summary: sns.subject,
    comparison: trigger.ComparisonOperator,
    threshold: trigger.Threshold,
    statistic: trigger.Statistic ?? trigger.ExtendedStatistic,
    period: trigger.Period,
    previousState: alarm.OldStateValue,
  });

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
  return { source: 'cloudwatch', group: arn, alerts: [alert], meta };
}

/** "… 1 datapoint [87.5 (03/05/24 12:00:00)] was greater than …" → 87.5 */
function reasonValue(reason: unknown): number | undefined {
  if (typeof reason !== 'string') return undefined;
  const m = /\[(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*\(/.exec(reason);
  return m ? finiteNumber(m[1]) : undefined;
}
