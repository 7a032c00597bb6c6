// The normalized alert every source is parsed into. Parsers build these by hand (the outside
// payloads are read leniently, with JSON-path errors for required fields); the zod schema is
// the contract for everything downstream (routing, the incident store, tests).
import { z } from 'zod';

export const AlertSources = ['alertmanager', 'azure-monitor', 'cloudwatch'] as const;
export const AlertSource = z.enum(AlertSources);
export type AlertSource = z.infer<typeof AlertSource>;

export const AlertStatus = z.enum(['firing', 'resolved']);
export type AlertStatus = z.infer<typeof AlertStatus>;

/** RFC 3339 timestamps only: Date.parse alone accepts "Fri, 03 May" and other surprises. */
export const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})$/;

const isoTime = z.string().regex(RFC3339);

export const Alert = z.object({
  source: AlertSource,
  /** Alertmanager `alertname`, Azure `alertRule`, CloudWatch `AlarmName`. */
  name: z.string(),
  status: AlertStatus,
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  /** ISO 8601 (UTC, millisecond precision). */
  startsAt: isoTime,
  /** Set when resolved (the source's end time, or the receive time if it gave none). */
  endsAt: isoTime.optional(),
  /** Stable identity of one alert across its firing and resolved notifications. */
  fingerprint: z.string().min(1),
  generatorURL: z.string().optional(),
  /** The measured value, where the source gives one (Azure metricValue, CloudWatch datapoint). */
  value: z.number().optional(),
});
export type Alert = z.infer<typeof Alert>;

/** One webhook request's worth of alerts, all from one sender group. */
export interface AlertBatch {
  source: AlertSource;
  /**
   * What makes alerts one incident: Alertmanager `groupKey`, Azure alert rule id, CloudWatch
   * AlarmArn. Together with the routed playbook it is the incident key.
   */
  group: string;
  alerts: Alert[];
  /**
   * Alerts of the group the sender counted but left out of `alerts` (Alertmanager's
   * `truncatedAlerts`, set by the receiver's `max_alerts`). While it is above 0 the group may
   * still fire where perfbot cannot see, so the incident must not resolve.
   */
  truncatedAlerts?: number;
  /**
   * Why a well-formed, authenticated notification carries nothing to act on (a non-alarm
   * message on an allowed SNS topic, an alarm in INSUFFICIENT_DATA): said in the answer and logged.
   */
  ignored?: string;
  /** Source details kept for logs and the chat layer (receiver, truncatedAlerts, topic …). */
  meta: Record<string, string | number>;
}

/** Parses with an injectable clock: `now` is used where the source leaves a time out. */
export interface ParseOptions {
  now: () => Date;
}
