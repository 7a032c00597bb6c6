// Incidents in Redis. `apply` runs one Lua script per webhook request (see script.ts), so
// dedupe, grouping and resolution are decided inside Redis, never check-then-set in Node.
import type { Redis } from 'ioredis';
import type { AlertBatch } from '../alerts/schema.js';
import { StoreUnavailableError } from '../errors.js';
import type { RouteDecision } from '../playbooks/route.js';
import { isRedisConnectionError } from '../redis/health.js';
import type { ReplicaWaitPolicy } from '../redis/replica-wait.js';
import { type ApplyResult, buildApplyArgs, incidentKey, readApplyReply } from './apply-args.js';
import { eventsStreamKey, type IncidentEventListener } from './events.js';
import { readIncident, readSummary } from './read.js';
import { APPLY_ALERTS_LUA } from './script.js';
import { INCIDENT_ID, type Incident, type IncidentSummary, type ThreadRef } from './types.js';

export type { ApplyResult, Transition } from './apply-args.js';
export { incidentKey, newIncidentId } from './apply-args.js';

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
  /**
   * Replicas a batch must reach before it counts as stored (src/redis/replica-wait.ts): one
   * WAIT per pipelined batch, after its scripts; short or late → 503.
   */
  replicaWait?: ReplicaWaitPolicy | undefined;
}

// Every 503 says the same true thing: a script may have run even though we could not confirm
// it (a timeout, a lost connection, a WAIT that came back short). Retrying is safe: the script
// deduplicates a repeated notification.
const UNSURE = 'the alerts may or may not have been stored; retry (a retry is deduplicated)';
const unavailable = (cause: string, err?: unknown) =>
  new StoreUnavailableError(`incident store unavailable: ${cause}; ${UNSURE}`, err);

// ioredis' own words for a lost connection ("Stream isn't writeable…") mean nothing to a sender.
const causeOf = (err: unknown) =>
  isRedisConnectionError(err) ? 'Redis is not reachable' : String((err as Error)?.message ?? err);

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

/** Pipelines awaiting Redis' reply before the next batch waits (see runScript). */
const MAX_IN_FLIGHT = 1;

interface PendingScript {
  args: (string | number)[];
  resolve: (reply: string[]) => void;
  reject: (err: unknown) => void;
}

export class IncidentStore {
  readonly prefix: string;
  readonly eventsKey: string;
  private readonly redis: ScriptClient;
  private readonly now: () => Date;
  private readonly listeners = new Set<IncidentEventListener>();
  private pending: PendingScript[] = [];
  private scheduled = false;
  private inFlight = 0;

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
    const { args, decided } = buildApplyArgs(batch, decisions, {
      prefix: this.prefix,
      now: this.now(),
      repeatWindowMs: this.options.repeatWindowMs ?? 30_000,
      retentionMs: this.options.retentionMs ?? 30 * 86_400_000,
      streamMaxLen: this.options.streamMaxLen ?? 100_000,
    });
    const result = readApplyReply(await this.runScript(args), decided);
    if (this.listeners.size > 0) {
      for (const event of result.events) for (const listener of this.listeners) listener(event);
    }
    return result;
  }

  async get(id: string): Promise<Incident | undefined> {
    if (!INCIDENT_ID.test(id)) return undefined;
    const key = this.incidentKey(id);
    const res = await this.guard(
      this.redis.multi().hgetall(key).hgetall(`${key}:alerts`).hgetall(`${key}:groups`).exec(),
    );
    const [hash, alerts, groups] = (res ?? []).map(([, v]) => v as Record<string, string>);
    return hash && alerts ? readIncident(hash, alerts, groups) : undefined;
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
   * Requests go to Redis as pipelines: one socket write (and one read on Redis' side) per batch
   * instead of per request; each script still runs atomically on its own. The batch size adapts
   * to the load: while MAX_IN_FLIGHT batches await their replies, newcomers wait and go out
   * together with the next one, so an idle server adds no delay and a busy one makes far fewer
   * system calls (on a 2-core machine a loopback write that wakes redis-server costs more than
   * building the request).
   */
  private runScript(args: (string | number)[]): Promise<string[]> {
    return new Promise((resolve, reject) => {
      this.pending.push({ args, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= MAX_IN_FLIGHT || this.pending.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    this.inFlight++;
    // One timer per batch, not per request: the hot path stays free of timer churn.
    const wait = this.options.replicaWait;
    const replicas = wait?.count ?? 0;
    const ms = (this.options.timeoutMs ?? 5000) + (replicas > 0 ? (wait?.timeoutMs ?? 0) : 0);
    let settled = false;
    // Once per batch, however it ends (a timed-out batch must not hold back the ones after it).
    const finished = () => {
      this.inFlight--;
      this.schedule();
    };
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      finished();
      const error = unavailable(causeOf(err), err);
      for (const item of batch) item.reject(error);
    };
    const timer = setTimeout(() => fail(new Error(`no answer from Redis in ${ms} ms`)), ms);
    const pipeline = this.redis.pipeline() as ReturnType<Redis['pipeline']> & {
      [SCRIPT](...args: (string | number)[]): unknown;
    };
    for (const item of batch) pipeline[SCRIPT](...item.args);
    // One WAIT for the whole batch: it covers every write this connection made before it.
    if (replicas > 0) pipeline.wait(replicas, wait?.timeoutMs ?? 0);
    pipeline.exec().then((results) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      finished();
      if (replicas > 0) {
        const [err, acked] = results?.[batch.length] ?? [new Error('no reply to WAIT'), 0];
        if (err || Number(acked) < replicas) {
          wait?.shortfall?.(Number(acked ?? 0));
          const why = err
            ? `WAIT failed: ${err.message}`
            : `${Number(acked)} of ${replicas} replica(s) acknowledged the write within ${wait?.timeoutMs} ms`;
          const error = unavailable(why, err ?? undefined);
          for (const item of batch) item.reject(error);
          return;
        }
      }
      batch.forEach((item, i) => {
        const [err, value] = results?.[i] ?? [new Error('no reply from Redis'), undefined];
        if (err) item.reject(unavailable(causeOf(err), err));
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
