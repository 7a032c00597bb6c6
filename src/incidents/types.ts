// What the incident store hands out. Times are ISO strings; counts are numbers.
import type { Alert, AlertSource } from '../alerts/schema.js';

export interface ThreadRef {
  channel: string;
  ts: string;
}

export interface IncidentSummary {
  id: string;
  source: AlertSource;
  group: string;
  /** null: no playbook matched; the incident is still raised so nobody misses it. */
  playbookId: string | null;
  trigger: { index: number; description: string } | null;
  title: string;
  status: 'open' | 'resolved';
  /** When perfbot opened it. */
  openedAt: string;
  /** Earliest alert start. */
  startedAt: string;
  updatedAt: string;
  /** Latest alert end, once every alert is resolved. */
  resolvedAt?: string;
  durationMs?: number;
  /** Set when perfbot closed it for lack of activity rather than because its alerts resolved. */
  closedReason?: 'stale';
  alertCount: number;
  firingCount: number;
  /** Notifications that repeated an alert already known (repeat_interval, re-fires). */
  repeats: number;
  /**
   * Alerts the latest notification left out (Alertmanager `truncatedAlerts`, from the receiver's
   * `max_alerts`); absent when it listed them all. While set, the incident does not resolve.
   */
  truncatedAlerts?: number;
  thread?: ThreadRef;
  /** Who took the incident (`/perf ack`, the Acknowledge button), and when. */
  acknowledgedBy?: string;
  acknowledgedAt?: string;
  /** Resolved by hand rather than by its alerts. */
  resolvedBy?: string;
}

/** A sender group of the incident and why it belongs to it. */
export interface IncidentGroup {
  source: AlertSource;
  /** Alertmanager groupKey, Azure rule id, CloudWatch alarm ARN. */
  group: string;
  /** `opened`: its alerts opened the incident; `joined`: it joined through correlation. */
  reason: 'opened' | 'joined';
  at: string;
  /** The correlation labels it matched (or would be matched on), null when none applied. */
  key: Record<string, string> | null;
  /** The Alertmanager that sent it (webhook `externalURL`), for silences. */
  externalURL?: string;
}

export interface IncidentAlert extends Alert {
  /** The sender group it came in (absent for alerts stored before groups were recorded). */
  group?: string;
  /** Times this alert was notified again while its incident was open. */
  repeats: number;
  firstSeenAt: string;
  lastNotifiedAt: string;
}

export interface Incident extends IncidentSummary {
  alerts: IncidentAlert[];
  /** In the order they came (always read by the store; absent on incidents built by hand). */
  groups?: IncidentGroup[];
}

/** Incident ids are BullMQ job-id safe (no ":", never an integer) and sort by creation time. */
export const INCIDENT_ID = /^inc-[0-9a-z]+-[0-9a-z]+$/;
