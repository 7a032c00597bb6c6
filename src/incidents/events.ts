// Incident transitions, as the store's Lua script writes them to the Redis Stream outbox
// `<prefix>incident-events`. The chat layer renders them and the audit trail records them;
// each reads through its own consumer group, so every event reaches exactly one replica per
// group (and is claimed by another if that replica dies before acknowledging it).
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { AlertSource, AlertStatus } from '../alerts/schema.js';
import type { Logger } from '../log.js';
import { consumeStream } from '../redis/stream-consumer.js';
import { looksLikeIncidentEvent } from './event-decode.js';

/** An alert as events carry it: what identifies it, and its state after the transition. */
export interface AlertSummary {
  fingerprint: string;
  name: string;
  status: AlertStatus;
  severity?: string;
  /** The `summary` (or `description`) annotation, cut to 300 characters. */
  summary?: string;
  startsAt: string;
  endsAt?: string;
}

/** The part of a summary Node prepares for the script (see store.ts). */
export type AlertCard = Pick<AlertSummary, 'fingerprint' | 'name' | 'severity' | 'summary'>;

// The script completes each card with status, startsAt and endsAt? in ms.
const RawAlert = z.object({
  fingerprint: z.string(),
  name: z.string(),
  severity: z.string().optional(),
  summary: z.string().optional(),
  status: AlertStatus,
  startsAt: z.number(),
  endsAt: z.number().optional(),
});
type RawAlert = z.infer<typeof RawAlert>;

export function toAlertSummary(raw: RawAlert): AlertSummary {
  const out: AlertSummary = {
    fingerprint: raw.fingerprint,
    name: raw.name,
    status: raw.status,
    startsAt: isoTime(raw.startsAt),
  };
  if (raw.severity !== undefined) out.severity = raw.severity;
  if (raw.summary !== undefined) out.summary = raw.summary;
  if (raw.endsAt !== undefined) out.endsAt = isoTime(raw.endsAt);
  return out;
}

// The alerts of one event mostly share their start (and end): remember the last conversion
// instead of formatting the same instant for each of them.
let lastMs = Number.NaN;
let lastIso = '';
function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}

const ms = z.number().transform((n) => new Date(n).toISOString());

const base = {
  incidentId: z.string(),
  playbookId: z.string().nullable(),
  source: AlertSource,
  group: z.string(),
  /** The first alert's name, for messages. */
  title: z.string(),
  at: ms,
  alerts: z.array(RawAlert.transform(toAlertSummary)),
};

/** A silence as events carry it: which Alertmanager, which silence. */
const SilenceRef = z.object({ url: z.string(), id: z.string() });

export const IncidentEventPayload = z.discriminatedUnion('type', [
  z.object({ type: z.literal('opened'), ...base, trigger: z.string().nullable() }),
  /**
   * `joined`: a new sender group joined the incident through correlation (`group` is that
   * group; `key` the labels it matched on); its alerts are `alerts`.
   */
  z.object({
    type: z.literal('alert-added'),
    ...base,
    joined: z.object({ key: z.record(z.string(), z.string()).nullable() }).optional(),
  }),
  /** `repeats`: the incident's total of repeated notifications so far. */
  z.object({ type: z.literal('repeated'), ...base, repeats: z.number() }),
  /**
   * Some alerts resolved, `firing` still firing; `truncatedAlerts`: alerts the notification left
   * out (Alertmanager max_alerts), which may still fire unseen — the incident stays open.
   */
  z.object({
    type: z.literal('alert-resolved'),
    ...base,
    firing: z.number(),
    truncatedAlerts: z.number().optional(),
  }),
  z.object({
    type: z.literal('resolved'),
    ...base,
    startedAt: ms,
    resolvedAt: ms,
    durationMs: z.number(),
    /** "stale": closed because nothing arrived for PERFBOT_INCIDENT_STALE_AFTER (stale.ts). */
    reason: z.literal('stale').optional(),
    resolvedBy: z.string().optional(),
  }),
  /**
   * The set of firing alert names gained `newNames` after the incident's last diagnosis had
   * settled (playbook `correlation.settle`): the response layer should diagnose it again.
   */
  z.object({
    type: z.literal('rediagnose'),
    ...base,
    newNames: z.array(z.string()),
    firingNames: z.array(z.string()),
  }),
  /** Someone took the incident (`previous`: who had it before, if anyone). */
  z.object({
    type: z.literal('acknowledged'),
    ...base,
    by: z.string(),
    previous: z.string().nullable(),
  }),
  /** Silences created in Alertmanager for the incident's alerts (src/incidents/silences.ts). */
  z.object({
    type: z.literal('silenced'),
    ...base,
    by: z.string(),
    silences: z.array(SilenceRef),
    endsAt: ms,
    matchers: z.array(z.object({ name: z.string(), value: z.string(), isRegex: z.boolean() })),
    comment: z.string(),
  }),
  /**
   * A silence of the incident ended: `expired` (its time ran out), `deleted` (expired early in
   * Alertmanager, or gone from it), `expired-by` (`by` expired it through perfbot).
   */
  z.object({
    type: z.literal('silence-ended'),
    ...base,
    silence: SilenceRef,
    reason: z.enum(['expired', 'deleted', 'expired-by']),
    by: z.string().nullable(),
  }),
]);

/** An event with its stream entry id (unique, ordered; use it to make handlers idempotent). */
export type IncidentEvent = z.output<typeof IncidentEventPayload> & { streamId: string };
export type IncidentEventType = IncidentEvent['type'];

/**
 * Decodes an event read from the stream (written by any perfbot version): a hand-written
 * structural check on the hot path, zod only to explain an event that fails it
 * (event-decode.ts).
 */
export function parseIncidentEvent(streamId: string, json: string): IncidentEvent {
  const raw: unknown = JSON.parse(json);
  if (looksLikeIncidentEvent(raw)) return convert(streamId, raw as RawEvent);
  return { ...IncidentEventPayload.parse(raw), streamId };
}

/**
 * The same conversion without validation, for the events the script has just returned to
 * this process (hot path: every webhook request).
 */
export function scriptEvent(streamId: string, json: string): IncidentEvent {
  return convert(streamId, JSON.parse(json) as RawEvent);
}

type RawEvent = Record<string, unknown> & { type: string; at: number; alerts: RawAlert[] };

/** What the zod transforms do: times in ms become ISO strings, alerts become summaries. */
function convert(streamId: string, e: RawEvent): IncidentEvent {
  const out: Record<string, unknown> = { ...e, streamId };
  out.at = new Date(e.at).toISOString();
  out.alerts = e.alerts.map(toAlertSummary);
  if (e.type === 'resolved') {
    out.startedAt = new Date(e.startedAt as number).toISOString();
    out.resolvedAt = new Date(e.resolvedAt as number).toISOString();
  } else if (e.type === 'silenced') {
    out.endsAt = new Date(e.endsAt as number).toISOString();
  }
  return out as IncidentEvent;
}

export const eventsStreamKey = (prefix: string): string => `${prefix}incident-events`;

export type IncidentEventListener = (event: IncidentEvent) => void;

export interface ConsumeOptions {
  redis: Redis;
  prefix: string;
  /** One group per kind of reader ("chat", "audit"): each event goes to one member of each. */
  group: string;
  /** This replica's name within the group (hostname, pod name). */
  consumer: string;
  /** Throw to leave the event pending: it is retried (claimed) after `claimIdleMs`. */
  handler: (event: IncidentEvent) => Promise<void> | void;
  /** Start the handlers of a read batch without waiting for each other (stream-consumer.ts). */
  concurrent?: boolean;
  signal: AbortSignal;
  /** Where a new group starts: "0" (everything still in the stream) or "$" (new events only). */
  startId?: string;
  blockMs?: number;
  count?: number;
  /** A pending event idle this long belonged to a consumer that died: take it over. */
  claimIdleMs?: number;
  log?: Logger;
}

/**
 * Reads the outbox through a consumer group until `signal` aborts, acknowledging each event
 * after its handler succeeds. Handlers should be idempotent by `streamId`: an event whose
 * acknowledgement was lost with its replica is handed to another one.
 */
export function consumeIncidentEvents(options: ConsumeOptions): Promise<void> {
  return consumeStream({
    ...options,
    key: eventsStreamKey(options.prefix),
    parse: parseIncidentEvent,
    what: 'incident-events',
  });
}
