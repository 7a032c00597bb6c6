// Open incidents that saw nothing for PERFBOT_INCIDENT_STALE_AFTER (default 24 h) are closed
// as stale, so the open set and Redis do not grow forever when a resolution never comes (an
// Alertmanager that lost its state, an alarm deleted while firing). Closing is one Lua script
// per incident that re-checks, atomically, that it is still open and still idle, then resolves
// it with `closedReason: stale`, lets it expire like any resolved incident, and writes a
// `resolved` event with `reason: "stale"` to the outbox — so the chat layer updates the thread
// and the audit recorder records it exactly like any other resolution (once per consumer group).
//
// Alertmanager repeats a firing alert every repeat_interval (default 4 h), which counts as
// activity; CloudWatch and Azure Monitor notify only on state changes, so keep the stale time
// well above how long such an alarm may legitimately stay in ALARM.
import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import { logJobFailure } from '../redis/health.js';
import { eventsStreamKey, type IncidentEvent, parseIncidentEvent } from './events.js';

// KEYS: incident hash, open zset, outbox. ARGV: id, cutoffMs, nowMs, ttlSeconds, maxlen, prefix.
const CLOSE_STALE_LUA = `
local h = redis.call('HMGET', KEYS[1], 'status', 'updatedAt', 'startedAt', 'playbook', 'source', 'group', 'title', 'key')
if h[1] ~= 'open' then
  if not h[1] then redis.call('ZREM', KEYS[2], ARGV[1]) end
  return false
end
if tonumber(h[2] or '0') >= tonumber(ARGV[2]) then return false end
local now, started = tonumber(ARGV[3]), tonumber(h[3] or ARGV[3])
local duration = string.format('%.0f', math.max(0, now - started))
-- updatedAt stays: it is when the incident last saw an alert.
redis.call('HSET', KEYS[1], 'status', 'resolved', 'resolvedAt', ARGV[3], 'durationMs', duration,
  'closedReason', 'stale')
redis.call('ZREM', KEYS[2], ARGV[1])
local ttl = tonumber(ARGV[4])
redis.call('EXPIRE', KEYS[1], ttl)
redis.call('EXPIRE', KEYS[1] .. ':alerts', ttl)
local mapkey = ARGV[6] .. 'incident-key:' .. (h[8] or '')
if redis.call('GET', mapkey) == ARGV[1] then redis.call('EXPIRE', mapkey, ttl) end
local pb = h[4]
local event = '{"incidentId":"' .. ARGV[1] .. '","playbookId":' .. ((pb and pb ~= '') and ('"' .. pb .. '"') or 'null')
  .. ',"source":"' .. (h[5] or '') .. '","group":' .. cjson.encode(h[6] or '') .. ',"title":' .. (h[7] or '""')
  .. ',"at":' .. ARGV[3] .. ',"type":"resolved","alerts":[],"startedAt":' .. string.format('%.0f', started)
  .. ',"resolvedAt":' .. ARGV[3] .. ',"durationMs":' .. duration .. ',"reason":"stale"}'
local sid = redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*', 'type', 'resolved', 'incident', ARGV[1], 'event', event)
return { sid, event }
`;

export interface StaleOptions {
  redis: Redis;
  /** Key prefix of the incident store (`perfbot:`). */
  prefix?: string | undefined;
  /** Idle time after which an open incident is closed; 0 or less: never. */
  staleAfterMs: number;
  /** How long the closed incident stays readable (the store's retention, default 30 days). */
  retentionMs?: number | undefined;
  streamMaxLen?: number | undefined;
  now?: (() => Date) | undefined;
}

/**
 * Closes every open incident idle for longer than `staleAfterMs`; returns the `resolved`
 * events (reason "stale") it wrote to the outbox. Safe on several replicas at once.
 */
export async function closeStaleIncidents(o: StaleOptions): Promise<IncidentEvent[]> {
  if (o.staleAfterMs <= 0) return [];
  const prefix = o.prefix ?? 'perfbot:';
  const now = (o.now ?? (() => new Date()))().getTime();
  const cutoff = now - o.staleAfterMs;
  const openKey = `${prefix}incidents:open`;
  const ids = await o.redis.zrange(openKey, 0, -1);
  const closed: IncidentEvent[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const page = ids.slice(i, i + 500);
    const pipeline = o.redis.pipeline();
    for (const id of page) pipeline.hget(`${prefix}incident:${id}`, 'updatedAt');
    const updated = (await pipeline.exec()) ?? [];
    for (const [j, id] of page.entries()) {
      const at = Number(updated[j]?.[1] ?? 0);
      if (at >= cutoff) continue;
      const res = (await o.redis.eval(
        CLOSE_STALE_LUA,
        3,
        `${prefix}incident:${id}`,
        openKey,
        eventsStreamKey(prefix),
        id,
        cutoff,
        now,
        Math.ceil((o.retentionMs ?? 30 * 86_400_000) / 1000),
        o.streamMaxLen ?? 100_000,
        prefix,
      )) as [string, string] | null;
      if (res) closed.push(parseIncidentEvent(res[0], res[1]));
    }
  }
  return closed;
}

/** Runs closeStaleIncidents every `intervalMs` (default 5 minutes) until stopped. */
export function startStaleIncidentSweeper(
  o: StaleOptions & { log: Logger; intervalMs?: number | undefined },
): { stop(): Promise<void> } {
  if (o.staleAfterMs <= 0) return { stop: async () => {} };
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(
    () => {
      running = closeStaleIncidents(o).then(
        (events) => {
          for (const e of events)
            o.log.info({ incident: e.incidentId, reason: 'stale' }, 'incident closed as stale');
        },
        (err: unknown) => logJobFailure(o.log, 'warn', err, 'stale incident sweep failed'),
      );
    },
    o.intervalMs ?? 5 * 60_000,
  );
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
