// Records incident transitions in the audit trail: alerts received, incidents opened, repeated
// and resolved. It reads the incident outbox through its own consumer group ("audit"), so each
// event is recorded by exactly one replica, independently of whether chat posted it.
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { consumeIncidentEvents, type IncidentEvent } from '../incidents/events.js';
import type { Logger } from '../log.js';
import type { AuditInput } from './types.js';

export interface IncidentRecorderOptions {
  redis: Redis;
  audit: { append(input: AuditInput): Promise<unknown> };
  log: Logger;
  prefix?: string;
  consumer?: string;
}

/** The audit entries one incident event stands for; pure, so the mapping is tested alone. */
export function auditEntriesFor(event: IncidentEvent): AuditInput[] {
  const actor = event.source;
  const incident = event.incidentId;
  // The outbox id lets a reader spot the rare duplicate left by a replica that died before ACK.
  const common = { playbook: event.playbookId, group: event.group, event: event.streamId };
  // One entry per event for all its alerts of that status (not one per alert): under an alert
  // storm the chain grows by events, not by alerts, and each alert's receipt is still recorded.
  const received = (status: 'firing' | 'resolved'): AuditInput[] => {
    const alerts = event.alerts.filter((a) => a.status === status);
    if (alerts.length === 0) return [];
    return [
      {
        actor,
        event: 'alert.received',
        incident,
        details: {
          ...common,
          status,
          alerts: alerts.map((a) => ({ alert: a.name, fingerprint: a.fingerprint, startsAt: a.startsAt })),
        },
      },
    ];
  };
  switch (event.type) {
    case 'opened':
      return [
        {
          actor,
          event: 'incident.opened',
          incident,
          details: { ...common, title: event.title, trigger: event.trigger },
        },
        ...received('firing'),
      ];
    case 'alert-added':
      if (!event.joined) return received('firing');
      return [
        {
          actor,
          event: 'incident.correlated',
          incident,
          details: { ...common, title: event.title, key: event.joined.key },
        },
        ...received('firing'),
      ];
    case 'repeated':
      return [
        { actor, event: 'incident.repeated', incident, details: { ...common, repeats: event.repeats } },
      ];
    case 'alert-resolved':
      return received('resolved');
    case 'resolved':
      return [
        ...received('resolved'),
        {
          actor: event.resolvedBy ?? actor,
          event: 'incident.resolved',
          incident,
          details: {
            ...common,
            startedAt: event.startedAt,
            resolvedAt: event.resolvedAt,
            durationMs: event.durationMs,
            ...(event.reason ? { reason: event.reason } : {}),
            ...(event.resolvedBy ? { manual: true } : {}),
          },
        },
      ];
    case 'rediagnose':
      return [
        {
          actor,
          event: 'incident.rediagnose',
          incident,
          details: { ...common, newNames: event.newNames, firingNames: event.firingNames },
        },
      ];
    case 'acknowledged':
      return [
        {
          actor: event.by,
          event: 'incident.acknowledged',
          incident,
          details: { ...common, previous: event.previous },
        },
      ];
    case 'silenced':
      return [
        {
          actor: event.by,
          event: 'silence.created',
          incident,
          details: {
            ...common,
            silences: event.silences,
            endsAt: event.endsAt,
            matchers: event.matchers,
            comment: event.comment,
          },
        },
      ];
    case 'silence-ended':
      return [
        {
          actor: event.by ?? event.source,
          event: 'silence.ended',
          incident,
          details: { ...common, silence: event.silence, reason: event.reason },
        },
      ];
  }
}

/** Runs until stop() is called; a failed append leaves the event pending so it is retried. */
export function startIncidentRecorder(options: IncidentRecorderOptions): { stop(): Promise<void> } {
  const controller = new AbortController();
  const done = consumeIncidentEvents({
    redis: options.redis,
    prefix: options.prefix ?? 'perfbot:',
    group: 'audit',
    consumer: options.consumer ?? `${hostname()}-${process.pid}`,
    signal: controller.signal,
    log: options.log,
    // The events of a read batch are handed over together, in order, so the appender chains
    // all their entries in one script call: one round trip per read batch, not per event.
    concurrent: true,
    handler: async (event) => {
      await Promise.all(auditEntriesFor(event).map((entry) => options.audit.append(entry)));
    },
  }).catch((err: unknown) => options.log.error({ err }, 'audit recorder stopped'));
  return {
    stop: async () => {
      controller.abort();
      await done;
    },
  };
}
