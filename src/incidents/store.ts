// Incidents in Redis. `apply` runs one Lua script per webhook request (see script.ts), so
// dedupe, grouping and resolution are decided inside Redis, never check-then-set in Node.
import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Alert, AlertBatch } from '../alerts/schema.js';
import { StoreUnavailableError } from '../errors.js';
import type { RouteDecision } from '../playbooks/route.js';
import {
  type AlertSummary,
  eventsStreamKey,
  type IncidentEvent,
  type IncidentEventListener,
  parseIncidentEvent,
} from './events.js';
import { readIncident, readSummary } from './read.js';
import { APPLY_ALERTS_LUA } from './script.js';
import { INCIDENT_ID, type Incident, type IncidentSummary, type ThreadRef } from './types.js';

export interface IncidentStoreOptions {
  redis: Redis;
  /** Key prefix; tests pass a unique one. */
  prefix?: string;
  now?: () => Date;
  /**
   * An Alertmanager alert notified again with the same start within this window is the same
   * notification (a redelivery, or a second replica); after it, a repeat. Keep it below
   * Alertmanager's repeat_interval.
   */
  repeatWindowMs?: number;
  /** How long a resolved incident stays readable. */
  retentionMs?: number;
  /** Approximate cap of the event outbox. */
  streamMaxLen?: number;
  /** A request that Redis has not answered in this time fails (503, the sender retries). */
  timeoutMs?: number;
}

export interface ApplyResult {
  /** Incidents the request's alerts belong to, in order of first appearance. */
  incidents: string[];
  events: IncidentEvent[];
}

const SCRIPT = 'perfbotApplyAlerts';
const THREAD_SCRIPT = 'perfbotSetThread';
const SET_THREAD_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local ch = redis.call('HGET', KEYS[1], 'threadChannel')
if ch then return { ch, redis.call('HGET', KEYS[1], 'threadTs'), 0 } end
redis.call('HSET', KEYS[1], 'threadChannel', ARGV[1], 'threadTs', ARGV[2])
return { ARGV[1], ARGV[2], 1 }
`;

type ScriptClient = Redis & {
  [SCRIPT](arg: string): Promise<string[]>;
  [THREAD_SCRIPT](key: string, channel: string, ts: string): Promise<[string, string, number] | null>;
};

export function newIncidentId(now: Date): string {
  const random = BigInt(`0x${randomBytes(8).toString('hex')}`).toString(36);
  return `inc-${now.getTime().toString(36)}-${random}`;
}

export class IncidentStore {
  readonly prefix: string;
  readonly eventsKey: string;
  private readonly redis: ScriptClient;
  private readonly now: () => Date;
  private readonly listeners = new Set<IncidentEventListener>();

  constructor(private readonly options: IncidentStoreOptions) {
    this.prefix = options.prefix ?? 'perfbot:';
    this.eventsKey = eventsStreamKey(this.prefix);
    this.now = options.now ?? (() => new Date());
    // Defined once per client; ioredis sends EVALSHA and falls back to EVAL after a restart.
    if (!(SCRIPT in options.redis)) {
      options.redis.defineCommand(SCRIPT, { numberOfKeys: 0, lua: APPLY_ALERTS_LUA });
      options.redis.defineCommand(THREAD_SCRIPT, { numberOfKeys: 1, lua: SET_THREAD_LUA });
    }
    this.redis = options.redis as ScriptClient;
  }

  /** Applies one request's alerts (decisions[i] routes alerts[i]) atomically. */
  async apply(batch: AlertBatch, decisions: readonly RouteDecision[]): Promise<ApplyResult> {
    if (batch.alerts.length === 0) return { incidents: [], events: [] };
    const now = this.now();
    const groups = new Map<string, ScriptGroup>();
    batch.alerts.forEach((alert, i) => {
      const decision = decisions[i] ?? {};
      const pb = decision.playbook?.id ?? '';
      let g = groups.get(pb);
      if (!g) {
        g = {
          k: incidentKey(batch.source, batch.group, pb),
          id: newIncidentId(now),
          src: batch.source,
          grp: batch.group,
          pb,
          ti: decision.trigger?.index ?? -1,
          td: decision.trigger?.description ?? '',
          // Only Alertmanager repeats a notification on purpose; the others never resend one.
          win: batch.source === 'alertmanager' ? (this.options.repeatWindowMs ?? 30_000) : -1,
          alerts: [],
        };
        groups.set(pb, g);
      }
      g.alerts.push(scriptAlert(alert));
    });
    const arg = JSON.stringify({
      p: this.prefix,
      now: now.getTime(),
      ttl: Math.max(1, Math.round((this.options.retentionMs ?? 30 * 86_400_000) / 1000)),
      max: this.options.streamMaxLen ?? 100_000,
      groups: [...groups.values()],
    });
    const reply = await this.guard(this.redis[SCRIPT](arg));
    const incidents = parseIds(reply[0]);
    const events: IncidentEvent[] = [];
    for (let i = 1; i + 1 < reply.length; i += 2) {
      events.push(parseIncidentEvent(reply[i] as string, reply[i + 1] as string));
    }
    for (const event of events) for (const listener of this.listeners) listener(event);
    return { incidents, events };
  }

  async get(id: string): Promise<Incident | undefined> {
    if (!INCIDENT_ID.test(id)) return undefined;
    const key = this.incidentKey(id);
    const res = await this.guard(
      this.redis.multi().hgetall(key).hgetall(`${key}:alerts`).hgetall(`${key}:state`).exec(),
    );
    const [hash, alerts, state] = (res ?? []).map(([, v]) => v as Record<string, string>);
    return hash && alerts && state ? readIncident(hash, alerts, state) : undefined;
  }

  /** Open incidents, oldest first. */
  async listOpen(limit = 1000): Promise<IncidentSummary[]> {
    const ids = await this.guard(this.redis.zrange(`${this.prefix}incidents:open`, 0, limit - 1));
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.incidentKey(id));
    const res = (await this.guard(pipeline.exec())) ?? [];
    return res.flatMap(([, v]) => {
      const summary = readSummary(v as Record<string, string>);
      return summary ? [summary] : [];
    });
  }

  /** The latest incident (open or resolved) of a sender group routed to a playbook. */
  async findByGroup(batch: Pick<AlertBatch, 'source' | 'group'>, playbookId: string | null) {
    const id = await this.guard(
      this.redis.get(
        `${this.prefix}incident-key:${incidentKey(batch.source, batch.group, playbookId ?? '')}`,
      ),
    );
    return id ? this.get(id) : undefined;
  }

  /**
   * Records the chat thread of an incident once: the first caller wins and every caller gets
   * the winning ref back (`created` tells whether it was theirs). undefined: no such incident.
   */
  async setThread(
    id: string,
    channel: string,
    ts: string,
  ): Promise<{ thread: ThreadRef; created: boolean } | undefined> {
    if (!INCIDENT_ID.test(id)) return undefined;
    const res = await this.guard(this.redis[THREAD_SCRIPT](this.incidentKey(id), channel, ts));
    if (!res) return undefined;
    return { thread: { channel: res[0], ts: res[1] }, created: res[2] === 1 };
  }

  /** In-process notification of the events this process's `apply` calls produced (tests, metrics). */
  onEvent(listener: IncidentEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private incidentKey(id: string): string {
    return `${this.prefix}incident:${id}`;
  }

  private async guard<T>(p: Promise<T>): Promise<T> {
    const ms = this.options.timeoutMs ?? 5000;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        p,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer from Redis in ${ms} ms`)), ms);
        }),
      ]);
    } catch (err) {
      throw new StoreUnavailableError(`incident store unavailable: ${(err as Error).message}`, err);
    } finally {
      clearTimeout(timer);
    }
  }
}

interface ScriptGroup {
  k: string;
  id: string;
  src: string;
  grp: string;
  pb: string;
  ti: number;
  td: string;
  win: number;
  alerts: ReturnType<typeof scriptAlert>[];
}

export function incidentKey(source: string, group: string, playbookId: string): string {
  return createHash('sha256')
    .update(`${source}\n${group}\n${playbookId || 'none'}`)
    .digest('hex')
    .slice(0, 40);
}

function scriptAlert(alert: Alert) {
  const summary: AlertSummary = {
    fingerprint: alert.fingerprint,
    name: alert.name,
    status: alert.status,
    startsAt: alert.startsAt,
  };
  if (alert.labels.severity) summary.severity = alert.labels.severity;
  const text = alert.annotations.summary ?? alert.annotations.description;
  if (text) summary.summary = text.length > 300 ? `${text.slice(0, 299)}…` : text;
  if (alert.endsAt) summary.endsAt = alert.endsAt;
  return {
    fp: alert.fingerprint,
    st: alert.status,
    s: Date.parse(alert.startsAt),
    e: alert.endsAt ? Date.parse(alert.endsAt) : 0,
    nm: alert.name,
    sm: summary,
    a: JSON.stringify(alert),
  };
}

function parseIds(json: string | undefined): string[] {
  const v: unknown = JSON.parse(json ?? '[]');
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
