// A surface's subscription to what perfbot does: incident transitions, response events
// (diagnoses, proposals) and remediation events (jobs, verification), each read through the
// surface's own consumer group — the Slack/terminal renderer is one subscriber, and a web
// console or another chat platform is one more, without touching the response layer.
import type { Redis } from 'ioredis';
import { consumeIncidentEvents, type IncidentEvent } from '../incidents/events.js';
import type { Logger } from '../log.js';
import { consumeRemediationEvents } from '../remediation/consume.js';
import type { RemediationEvent } from '../remediation/events.js';
import { consumeResponseEvents, type ResponseEvent } from '../response/events.js';

export interface Subscriber {
  /** The consumer group: one per kind of surface ("chat", "console"). */
  group: string;
  /** This replica's name within the group. */
  consumer: string;
  onIncident?: (event: IncidentEvent) => Promise<void> | void;
  onResponse?: (event: ResponseEvent & { streamId: string }) => Promise<void> | void;
  onRemediation?: (event: RemediationEvent & { streamId: string }) => Promise<void> | void;
  /** An entry left unacknowledged by a replica that died is taken over after this long. */
  claimIdleMs?: number;
}

/** Starts the subscriber's loops; they end when `signal` aborts. */
export function subscribe(
  deps: { redis: Redis; prefix: string; log: Logger; signal: AbortSignal },
  s: Subscriber,
): Promise<void>[] {
  const common = { ...deps, group: s.group, consumer: s.consumer, claimIdleMs: s.claimIdleMs };
  const loops: Promise<void>[] = [];
  if (s.onIncident) loops.push(consumeIncidentEvents({ ...common, handler: s.onIncident }));
  if (s.onResponse) loops.push(consumeResponseEvents({ ...common, handler: s.onResponse }));
  if (s.onRemediation) loops.push(consumeRemediationEvents({ ...common, handler: s.onRemediation }));
  return loops;
}
