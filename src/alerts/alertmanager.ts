// Alertmanager webhook, payload version 4
// (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config).
// Alertmanager sends a whole aggregation group per request: `groupKey` identifies the group
// for the group's lifetime, so it is the incident grouping. Firing alerts carry Go's zero time
// as endsAt; resolved ones the time they ended.
import { createHash } from 'node:crypto';
import { InvalidInputError } from '../errors.js';
import {
  at,
  finiteNumber,
  iso,
  isoOf,
  lenientStringMap,
  optionalString,
  parseTime,
  requireArray,
  requireObject,
  requireOneOf,
  requireString,
  requireStringMap,
  requireTime,
} from './read.js';
import type { Alert, AlertBatch, ParseOptions } from './schema.js';

export function parseAlertmanager(body: unknown, options: ParseOptions): AlertBatch {
  const root = requireObject(body, '');
  const version = root.version;
  // Absent is tolerated (hand-written senders); another version would be read wrongly.
  if (version !== undefined && version !== '4') {
    throw new InvalidInputError(
      'version',
      `expected webhook payload version "4", got ${JSON.stringify(version)}`,
    );
  }
  const groupKey = requireString(root, 'groupKey', '');
  const groupLabels = lenientStringMap(root.groupLabels);
  const commonLabels = lenientStringMap(root.commonLabels);
  const list = requireArray(root.alerts, 'alerts');
  const alerts = Array.from(list, (raw, i) => parseOne(raw, at('alerts', i), commonLabels, options));
  // With `max_alerts` set on the receiver, Alertmanager lists only the first alerts of the group
  // (in its own sort order) and counts the rest here; the root `status` then describes the
  // listed alerts only, so the store keeps the incident open while this is above 0.
  const truncated = Math.max(0, Math.trunc(finiteNumber(root.truncatedAlerts) ?? 0));
  const meta: Record<string, string | number> = { truncatedAlerts: truncated };
  const receiver = optionalString(root, 'receiver');
  if (receiver) meta.receiver = receiver;
  const externalURL = optionalString(root, 'externalURL');
  if (externalURL) meta.externalURL = externalURL;
  if (groupLabels.alertname) meta.groupAlertname = groupLabels.alertname;
  // Alertmanager ≥ 0.32 says why it notified ("first notification", "some alerts resolved" …).
  const reason = optionalString(root, 'notification_reason');
  if (reason) meta.notificationReason = reason;
  return { source: 'alertmanager', group: groupKey, alerts, truncatedAlerts: truncated, meta };
}

function parseOne(
  raw: unknown,
  path: string,
  commonLabels: Record<string, string>,
  options: ParseOptions,
): Alert {
  const obj = requireObject(raw, path);
  const status = requireOneOf(obj, 'status', path, ['firing', 'resolved'] as const);
  const labels = requireStringMap(obj.labels, at(path, 'labels'));
  const annotations = lenientStringMap(obj.annotations);
  const startsMs = requireTime(obj, 'startsAt', path);
  const fingerprint = optionalString(obj, 'fingerprint') ?? labelFingerprint(labels);
  const alert: Alert = {
    source: 'alertmanager',
    name: labels.alertname ?? commonLabels.alertname ?? 'unnamed',
    status,
    labels,
    annotations,
    startsAt: isoOf(obj.startsAt, startsMs),
    fingerprint,
  };
  if (status === 'resolved') {
    // A resolved alert without an end time ended when we heard of it.
    const endsMs = parseTime(obj.endsAt);
    alert.endsAt = endsMs === undefined ? iso(options.now().getTime()) : isoOf(obj.endsAt, endsMs);
  }
  const generatorURL = optionalString(obj, 'generatorURL');
  if (generatorURL) alert.generatorURL = generatorURL;
  // Prometheus rules often template {{ $value }} into an annotation; that is the only value.
  const value = finiteNumber(annotations.value);
  if (value !== undefined) alert.value = value;
  return alert;
}

/** Alertmanager always sends a fingerprint; hand-made payloads may not. Same labels → same id. */
export function labelFingerprint(labels: Record<string, string>): string {
  const canonical = Object.keys(labels)
    .sort()
    .map((k) => `${k}\u00ff${labels[k]}`)
    .join('\u00fe');
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}
