// The arguments of the incident script for one request, and the reading of its reply (see
// script.ts for the format). Kept apart from the store: this is the per-request hot path.
import { randomUUID } from 'node:crypto';
import type { Alert, AlertBatch } from '../alerts/schema.js';
import type { RouteDecision } from '../playbooks/route.js';
import { correlationOf, senderJSON } from './correlation.js';
import { type IncidentEvent, type IncidentEventType, scriptEvent } from './events.js';

/** What an event says, known without parsing it. */
export interface Transition {
  type: IncidentEventType;
  incidentId: string;
  playbookId: string | null;
  /** The trigger that routed the incident's alerts, for `opened`. */
  trigger: string | null;
  streamId: string;
}

export interface ApplyResult {
  /** Incidents the request's alerts belong to, in order of first appearance. */
  incidents: string[];
  transitions: Transition[];
  /** The full events (parsed on first access: the hot path needs only the transitions). */
  readonly events: IncidentEvent[];
}

export interface ApplySettings {
  prefix: string;
  now: Date;
  repeatWindowMs: number;
  retentionMs: number;
  streamMaxLen: number;
}

// A random prefix per process and a counter: unique across replicas without drawing entropy on
// every request (ids are identifiers, not secrets).
const ID_PREFIX = Number.parseInt(randomUUID().slice(0, 8), 16).toString(36);
let idCounter = 0;

export function newIncidentId(now: Date): string {
  idCounter = (idCounter + 1) % 2_176_782_336; // 36^6
  return `inc-${now.getTime().toString(36)}-${ID_PREFIX}${idCounter.toString(36).padStart(6, '0')}`;
}

/**
 * Groups the request's alerts by routed playbook (one group = one incident) and encodes them.
 * `decided[g]` is the routing decision of group g, for reading the reply.
 */
export function buildApplyArgs(
  batch: AlertBatch,
  decisions: readonly RouteDecision[],
  settings: ApplySettings,
): { args: (string | number)[]; decided: RouteDecision[] } {
  const now = settings.now;
  const groups = new Map<string, { decision: RouteDecision; alerts: Alert[] }>();
  batch.alerts.forEach((alert, i) => {
    const decision = decisions[i] ?? {};
    const pb = decision.playbook?.id ?? '';
    const g = groups.get(pb);
    if (g) g.alerts.push(alert);
    else groups.set(pb, { decision, alerts: [alert] });
  });
  // Only Alertmanager repeats a notification on purpose; the others never resend one.
  const window = batch.source === 'alertmanager' ? settings.repeatWindowMs : -1;
  const args: (string | number)[] = [
    settings.prefix,
    now.getTime(),
    Math.max(1, Math.round(settings.retentionMs / 1000)),
    settings.streamMaxLen,
    groups.size,
  ];
  const decided: RouteDecision[] = [];
  // The same for every group of the request (the Alertmanager that sent it, for silences).
  const sender = senderJSON(batch.source, batch.group, batch.meta.externalURL);
  // Stored with each alert: an incident that correlated several groups lists alerts by group.
  const groupJSON = JSON.stringify(batch.group);
  for (const [pb, { decision, alerts }] of groups) {
    decided.push(decision);
    const correlation = correlationOf(decision.playbook, alerts);
    args.push(
      incidentKey(batch.source, batch.group, pb),
      newIncidentId(now),
      batch.source,
      batch.group,
      pb,
      decision.trigger?.index ?? -1,
      decision.trigger?.description ?? '',
      window,
      alerts.length,
      JSON.stringify(alerts[0]?.name ?? ''),
      correlation.key,
      correlation.windowMs,
      correlation.descriptionJSON,
      correlation.settleMs,
      sender,
      // Every incident of the request shares it: a left-out alert may belong to any of them.
      String(Math.max(0, Math.trunc(batch.truncatedAlerts ?? 0))),
    );
    for (const alert of alerts) pushAlertArgs(args, alert, groupJSON);
  }
  return { args, decided };
}

/** Reads the script's reply; the full events are parsed only if someone asks for them. */
export function readApplyReply(reply: string[], decided: RouteDecision[]): ApplyResult {
  const incidents = reply[0] ? reply[0].split(' ') : [];
  const transitions: Transition[] = [];
  const raw: [string, string][] = [];
  for (let i = 1; i + 2 < reply.length; i += 3) {
    const streamId = reply[i] as string;
    const [type, incidentId, groupIndex] = (reply[i + 1] as string).split(' ');
    const decision = decided[Number(groupIndex) - 1];
    transitions.push({
      type: type as IncidentEventType,
      incidentId: incidentId as string,
      playbookId: decision?.playbook?.id ?? null,
      trigger: decision?.trigger?.description ?? null,
      streamId,
    });
    raw.push([streamId, reply[i + 2] as string]);
  }
  let events: IncidentEvent[] | undefined;
  return {
    incidents,
    transitions,
    get events() {
      events ??= raw.map(([id, json]) => scriptEvent(id, json));
      return events;
    },
  };
}

/**
 * The key of the incident map: Redis keys are binary-safe, so the sender's group goes in as is
 * (no hashing on the hot path). It comes last, so no separator inside it can be ambiguous.
 */
export function incidentKey(source: string, group: string, playbookId: string): string {
  return `${source}:${playbookId || 'none'}:${group}`;
}

/**
 * One alert as one script argument (see script.ts). The stored alert JSON leaves out what the
 * state and the hash field already hold (status, times, fingerprint, source): fewer bytes for
 * Redis to copy on every request.
 */
function pushAlertArgs(args: (string | number)[], alert: Alert, groupJSON: string): void {
  // Built by concatenation around JSON-encoded values: the same JSON as stringifying objects,
  // without allocating them (this runs for every alert of every request).
  const fp = JSON.stringify(alert.fingerprint);
  const name = JSON.stringify(alert.name);
  let card = `{"fingerprint":${fp},"name":${name}`;
  const severity = alert.labels.severity;
  if (severity) card += `,"severity":${JSON.stringify(severity)}`;
  const text = alert.annotations.summary ?? alert.annotations.description;
  if (text) card += `,"summary":${JSON.stringify(text.length > 300 ? `${text.slice(0, 299)}…` : text)}`;
  let stored = `{"name":${name},"labels":${JSON.stringify(alert.labels)},"annotations":${JSON.stringify(alert.annotations)}`;
  if (alert.generatorURL !== undefined) stored += `,"generatorURL":${JSON.stringify(alert.generatorURL)}`;
  if (alert.value !== undefined) stored += `,"value":${alert.value}`;
  stored += `,"group":${groupJSON}`;
  const startsMs = Date.parse(alert.startsAt);
  const endsMs = alert.endsAt ? Date.parse(alert.endsAt) : 0;
  args.push(
    `${fp}\n${alert.status === 'firing' ? 'f' : 'r'}\n${startsMs}\n${endsMs}\n${name}\n${card}}\n${stored}}`,
  );
}
