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
}

export interface IncidentAlert extends Alert {
  /** Times this alert was notified again while its incident was open. */
  repeats: number;
  firstSeenAt: string;
  lastNotifiedAt: string;
}

export interface Incident extends IncidentSummary {
  alerts: IncidentAlert[];
}

/** Incident ids are BullMQ job-id safe (no ":", never an integer) and sort by creation time. */
export const INCIDENT_ID = /^inc-[0-9a-z]+-[0-9a-z]+$/;
