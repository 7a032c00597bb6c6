// Notices when an incident's silence ends — its time runs out, or someone expires or deletes it
// in Alertmanager — and records it (an `silence-ended` event on the incident outbox, once, via
// the END_SILENCE script) so the thread can say so. Polls Alertmanager's GET /api/v2/silence/{id}
// for every silence perfbot made that it still believes active; one replica per interval
// (a Redis lock), and the script makes a second noticing harmless anyway.
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { logJobFailure } from '../redis/health.js';
import type { IncidentEvent } from './events.js';
import type { IncidentSilences } from './silences.js';

/** An expired silence that ended this much before its planned end was ended by someone. */
const EARLY_MS = 1000;

/** One pass over the active silences; returns the events it recorded. */
export async function checkSilences(
  silences: IncidentSilences,
  redis: Redis,
  options: { now?: () => Date; log: Logger; limit?: number },
): Promise<IncidentEvent[]> {
  const now = (options.now ?? (() => new Date()))().getTime();
  const flat = await redis.zrange(
    `${silences.prefix}silences:active`,
    0,
    (options.limit ?? 1000) - 1,
    'WITHSCORES',
  );
  const events: IncidentEvent[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const member = flat[i] as string;
    const plannedEnd = Number(flat[i + 1]);
    const first = member.indexOf(' ');
    const last = member.lastIndexOf(' ');
    if (first < 0 || last <= first) continue;
    const incidentId = member.slice(0, first);
    const ref = { url: member.slice(first + 1, last), id: member.slice(last + 1) };
    let reason: 'expired' | 'deleted' | undefined;
    try {
      const s = await silences.alertmanager(ref.url).getSilence(ref.id);
      if (!s) reason = 'deleted';
      else if (s.status.state === 'expired') {
        const ended = Date.parse(s.endsAt);
        reason = Number.isFinite(ended) && ended < plannedEnd - EARLY_MS ? 'deleted' : 'expired';
      }
    } catch (err) {
      // Alertmanager unreachable: past its end time the silence has ended whatever it says.
      if (now >= plannedEnd) reason = 'expired';
      else options.log.warn({ err, incident: incidentId, silence: ref.id }, 'silence not checked');
    }
    if (!reason) continue;
    const event = await silences.ended(incidentId, ref, reason);
    if (event) events.push(event);
  }
  return events;
}

export interface SilenceWatcherOptions {
  silences: IncidentSilences;
  redis: Redis;
  log: Logger;
  /** Default 30 s. */
  intervalMs?: number;
  now?: () => Date;
}

/** Checks every interval until stop(); `tick()` runs one check now (tests, shutdown). */
export function startSilenceWatcher(o: SilenceWatcherOptions): {
  tick(): Promise<IncidentEvent[]>;
  stop(): Promise<void>;
} {
  const intervalMs = o.intervalMs ?? 30_000;
  const lockKey = `${o.silences.prefix}silences:watch-lock`;
  let running: Promise<IncidentEvent[]> | undefined;
  const tick = async (): Promise<IncidentEvent[]> => {
    // One replica checks per interval; the others skip this turn.
    const got = await o.redis.set(lockKey, String(process.pid), 'PX', Math.max(100, intervalMs - 100), 'NX');
    if (got !== 'OK') return [];
    return checkSilences(o.silences, o.redis, { log: o.log, now: o.now });
  };
  const timer = setInterval(() => {
    if (running) return;
    running = tick()
      .catch((err: unknown) => {
        logJobFailure(o.log, 'warn', err, 'silence check failed');
        return [];
      })
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  timer.unref();
  return {
    tick: () => checkSilences(o.silences, o.redis, { log: o.log, now: o.now }),
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
