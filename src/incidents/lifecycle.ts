// What people do to an incident: acknowledge it (take ownership), resolve it by hand (Azure and
// CloudWatch alerts whose source never sends an OK), and note that it was diagnosed. Each is one
// Lua transition that also puts its event on the incident outbox, so the audit trail (its own
// consumer group) and every renderer learn of it exactly as they learn of alert transitions.
import type { Redis } from 'ioredis';
import { runLua } from '../audit/lua.js';
import { StoreUnavailableError } from '../errors.js';
import { type IncidentEvent, parseIncidentEvent } from './events.js';
import { ACKNOWLEDGE, MARK_DIAGNOSED, RESOLVE } from './lifecycle-script.js';
import { INCIDENT_ID } from './types.js';

export interface IncidentLifecycleOptions {
  redis: Redis;
  /** The incident store's key prefix. */
  prefix?: string;
  now?: () => Date;
  /** How long a resolved incident stays readable (the store's retentionMs). */
  retentionMs?: number;
  streamMaxLen?: number;
}

export type AckOutcome =
  | { outcome: 'acknowledged'; previous: string | undefined; event: IncidentEvent }
  /** The same user had it already: nothing changed. */
  | { outcome: 'already'; owner: string }
  | { outcome: 'resolved' }
  | { outcome: 'not-found' };

export type ResolveOutcome =
  | { outcome: 'resolved'; event: IncidentEvent }
  /** Already resolved (`by`: who resolved it by hand, if someone did). */
  | { outcome: 'already'; by: string | undefined }
  | { outcome: 'not-found' };

export class IncidentLifecycle {
  private readonly prefix: string;
  private readonly now: () => Date;

  constructor(private readonly options: IncidentLifecycleOptions) {
    this.prefix = options.prefix ?? 'perfbot:';
    this.now = options.now ?? (() => new Date());
  }

  /** `user` owns the incident from now on (taking it from whoever had it). */
  async acknowledge(incidentId: string, user: string): Promise<AckOutcome> {
    if (!INCIDENT_ID.test(incidentId)) return { outcome: 'not-found' };
    const [kind, who, sid, json] = (await this.run(ACKNOWLEDGE, incidentId, user)) as string[];
    if (kind === 'acknowledged') {
      return {
        outcome: 'acknowledged',
        previous: who || undefined,
        event: parseIncidentEvent(sid as string, json as string),
      };
    }
    if (kind === 'already') return { outcome: 'already', owner: who as string };
    return kind === 'resolved' ? { outcome: 'resolved' } : { outcome: 'not-found' };
  }

  /** Resolves an open incident by hand; its pending proposals are retired like any resolution's. */
  async resolve(incidentId: string, user: string): Promise<ResolveOutcome> {
    if (!INCIDENT_ID.test(incidentId)) return { outcome: 'not-found' };
    const retention = Math.max(1, Math.round((this.options.retentionMs ?? 30 * 86_400_000) / 1000));
    const [kind, who, sid, json] = (await this.run(RESOLVE, incidentId, user, retention)) as string[];
    if (kind === 'resolved') {
      return { outcome: 'resolved', event: parseIncidentEvent(sid as string, json as string) };
    }
    if (kind === 'already') return { outcome: 'already', by: who || undefined };
    return { outcome: 'not-found' };
  }

  /**
   * The response layer calls this whenever it diagnoses the incident: alert names firing now are
   * covered, and a `rediagnose` event comes only for names after the playbook's settle time.
   */
  async markDiagnosed(incidentId: string): Promise<boolean> {
    if (!INCIDENT_ID.test(incidentId)) return false;
    return (await this.run(MARK_DIAGNOSED, incidentId, '')) === 1;
  }

  /** 'open', 'resolved', or undefined (unknown or expired). */
  async status(incidentId: string): Promise<'open' | 'resolved' | undefined> {
    if (!INCIDENT_ID.test(incidentId)) return undefined;
    const s = await this.guard(this.options.redis.hget(this.key(incidentId), 'status'));
    return s === 'open' || s === 'resolved' ? s : undefined;
  }

  /** For the response layer: never diagnose or propose for an incident that has resolved. */
  async isResolved(incidentId: string): Promise<boolean> {
    return (await this.status(incidentId)) === 'resolved';
  }

  private key(id: string): string {
    return `${this.prefix}incident:${id}`;
  }

  private run(
    script: Parameters<typeof runLua>[1],
    id: string,
    user: string,
    ...extra: (string | number)[]
  ): Promise<unknown> {
    return this.guard(
      runLua(
        this.options.redis,
        script,
        [this.key(id)],
        [this.prefix, id, user, this.now().getTime(), this.options.streamMaxLen ?? 100_000, ...extra],
      ),
    );
  }

  private async guard<T>(p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (err) {
      throw new StoreUnavailableError(`incident store unavailable: ${(err as Error).message}`, err);
    }
  }
}
