// Incidents in Redis. `apply` runs one Lua script per webhook request (see script.ts), so
// dedupe, grouping and resolution are decided inside Redis, never check-then-set in Node.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Alert, AlertBatch } from '../alerts/schema.js';
import { StoreUnavailableError } from '../errors.js';
import type { RouteDecision } from '../playbooks/route.js';
import {
  eventsStreamKey,
  type IncidentEvent,
  type IncidentEventListener,
  type IncidentEventType,
  scriptEvent,
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
  [SCRIPT](...args: (string | number)[]): Promise<string[]>;
  [THREAD_SCRIPT](key: string, channel: string, ts: string): Promise<[string, string, number] | null>;
};

interface PendingScript {
  args: (string | number)[];
  resolve: (reply: string[]) => void;
  reject: (err: unknown) => void;
}

// A random prefix per process and a counter: unique across replicas without drawing entropy on
// every request (ids are identifiers, not secrets).
const ID_PREFIX = Number.parseInt(randomUUID().slice(0, 8), 16).toString(36);
let idCounter = 0;

export function newIncidentId(now: Date): string {
  idCounter = (idCounter + 1) % 2_176_782_336; // 36^6
  return `inc-${now.getTime().toString(36)}-${ID_PREFIX}${idCounter.toString(36).padStart(6, '0')}`;
}

export class IncidentStore {
  readonly prefix: string;
  readonly eventsKey: string;
  private readonly redis: ScriptClient;
  private readonly now: () => Date;
  private readonly listeners = new Set<IncidentEventListener>();
  private pending: PendingScript[] = [];

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
    if (batch.alerts.length === 0) return { incidents: [], transitions: [], events: [] };
    const now = this.now();
    // Alerts of one request that route to the same playbook form one group (one incident).
    const groups = new Map<string, { decision: RouteDecision; alerts: Alert[] }>();
    batch.alerts.forEach((alert, i) => {
      const decision = decisions[i] ?? {};
      const pb = decision.playbook?.id ?? '';
      const g = groups.get(pb);
      if (g) g.alerts.push(alert);
      else groups.set(pb, { decision, alerts: [alert] });
    });
    // Only Alertmanager repeats a notification on purpose; the others never resend one.
    const window = batch.source === 'alertmanager' ? (this.options.repeatWindowMs ?? 30_000) : -1;
    const args: (string | number)[] = [
      this.prefix,
      now.getTime(),
      Math.max(1, Math.round((this.options.retentionMs ?? 30 * 86_400_000) / 1000)),
      this.options.streamMaxLen ?? 100_000,
      groups.size,
    ];
    const decided: RouteDecision[] = [];
    for (const [pb, { decision, alerts }] of groups) {
      decided.push(decision);
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
      );
      for (const alert of alerts) pushAlertArgs(args, alert);
    }
    const reply = await this.runScript(args);
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
    const result: ApplyResult = {
      incidents,
      transitions,
      get events() {
        events ??= raw.map(([id, json]) => scriptEvent(id, json));
        return events;
      },
    };
    if (this.listeners.size > 0) {
      for (const event of result.events) for (const listener of this.listeners) listener(event);
    }
    return result;
  }

  async get(id: string): Promise<Incident | undefined> {
    if (!INCIDENT_ID.test(id)) return undefined;
    const key = this.incidentKey(id);
    const res = await this.guard(
      this.redis.multi().hgetall(key).hgetall(`${key}:alerts`).exec(),
    );
    const [hash, alerts] = (res ?? []).map(([, v]) => v as Record<string, string>);
    return hash && alerts ? readIncident(hash, alerts) : undefined;
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

  /**
   * Requests that finish parsing in the same event-loop turn go to Redis as one pipeline: one
   * socket write instead of one per request (each script still runs atomically on its own).
   */
  private runScript(args: (string | number)[]): Promise<string[]> {
    return new Promise((resolve, reject) => {
      this.pending.push({ args, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    // One timer per batch, not per request: the hot path stays free of timer churn.
    const ms = this.options.timeoutMs ?? 5000;
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const error = new StoreUnavailableError(`incident store unavailable: ${(err as Error).message}`, err);
      for (const item of batch) item.reject(error);
    };
    const timer = setTimeout(() => fail(new Error(`no answer from Redis in ${ms} ms`)), ms);
    const pipeline = this.redis.pipeline() as ReturnType<Redis['pipeline']> & {
      [SCRIPT](...args: (string | number)[]): unknown;
    };
    for (const item of batch) pipeline[SCRIPT](...item.args);
    pipeline.exec().then((results) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      batch.forEach((item, i) => {
        const [err, value] = results?.[i] ?? [new Error('no reply from Redis'), undefined];
        if (err) item.reject(new StoreUnavailableError(`incident store unavailable: ${err.message}`, err));
        else item.resolve(value as string[]);
      });
    }, fail);
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
function pushAlertArgs(args: (string | number)[], alert: Alert): void {
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
  const startsMs = Date.parse(alert.startsAt);
  const endsMs = alert.endsAt ? Date.parse(alert.endsAt) : 0;
  args.push(`${fp}\n${alert.status === 'firing' ? 'f' : 'r'}\n${startsMs}\n${endsMs}\n${card}}\n${stored}}`);
}
