// Silencing an incident through Alertmanager (API v2): one silence per Alertmanager — every URL
// of ALERTMANAGER_URL (an HA pair gets it on both), else the Alertmanager that sent the
// incident's alerts (webhook externalURL) — whose matchers are the incident's identifying labels
// (silence-matchers.ts), created by the person who asked. The silences are recorded on the
// incident and announced on its outbox (`silenced`); silence-watch.ts notices when one ends.
import type { Redis } from 'ioredis';
import { runLua } from '../audit/lua.js';
import { errorMessage, InvalidInputError } from '../errors.js';
import type { AlertmanagerPort } from '../integrations/alertmanager/port.js';
import type { SilenceMatcher } from '../integrations/alertmanager/schema.js';
import type { Logger } from '../log.js';
import { type IncidentEvent, parseIncidentEvent } from './events.js';
import { silenceMatchers } from './silence-matchers.js';
import { END_SILENCE, RECORD_SILENCES } from './silence-script.js';
import type { IncidentStore } from './store.js';
import { INCIDENT_ID } from './types.js';

/** What the Silence button offers. */
export const SILENCE_DURATIONS = ['1h', '4h', '24h'] as const;
/** What /perf silence accepts. */
export const MIN_SILENCE_MS = 60_000;
export const MAX_SILENCE_MS = 30 * 86_400_000;

export interface IncidentSilence {
  url: string;
  id: string;
  by: string;
  endsAt: string;
  state: 'active' | 'ended';
  reason?: 'expired' | 'deleted' | 'expired-by';
}

export type SilenceOutcome =
  | {
      outcome: 'silenced';
      silences: { url: string; id: string }[];
      matchers: SilenceMatcher[];
      endsAt: string;
      /** Alertmanagers that refused or could not be reached (the others have the silence). */
      failed: { url: string; error: string }[];
      event: IncidentEvent;
    }
  | { outcome: 'not-found' }
  | { outcome: 'resolved' }
  /** Not from Alertmanager, or no Alertmanager known (set ALERTMANAGER_URL). */
  | { outcome: 'no-alertmanager'; reason: string }
  | { outcome: 'failed'; failed: { url: string; error: string }[] };

export interface IncidentSilencesOptions {
  redis: Redis;
  incidents: Pick<IncidentStore, 'get'>;
  /** ALERTMANAGER_URL, split; empty: the incident's externalURL. */
  alertmanagerUrls: readonly string[];
  /**
   * One client per Alertmanager URL (src/integrations/alertmanager createAlertmanagerClient;
   * injected by the composition root, so incidents/ does not import an integration).
   */
  client: (url: string) => AlertmanagerPort;
  prefix?: string;
  now?: () => Date;
  log: Logger;
  streamMaxLen?: number;
}

export class IncidentSilences {
  readonly prefix: string;
  private readonly now: () => Date;
  private readonly clients = new Map<string, AlertmanagerPort>();

  constructor(private readonly o: IncidentSilencesOptions) {
    this.prefix = o.prefix ?? 'perfbot:';
    this.now = o.now ?? (() => new Date());
    // Records keep URLs without credentials; the watcher must find the client that has them.
    for (const url of o.alertmanagerUrls) this.alertmanager(url);
  }

  /** The Alertmanager behind a URL (one client each, also found by its credential-free URL). */
  alertmanager(url: string): AlertmanagerPort {
    let c = this.clients.get(url);
    if (!c) {
      c = this.o.client(url);
      this.clients.set(url, c);
      if (!this.clients.has(c.url)) this.clients.set(c.url, c);
    }
    return c;
  }

  async silence(
    incidentId: string,
    input: { user: string; durationMs: number; comment?: string | undefined },
  ): Promise<SilenceOutcome> {
    const incident = INCIDENT_ID.test(incidentId) ? await this.o.incidents.get(incidentId) : undefined;
    if (!incident) return { outcome: 'not-found' };
    if (incident.status === 'resolved') return { outcome: 'resolved' };
    if (incident.source !== 'alertmanager') {
      return {
        outcome: 'no-alertmanager',
        reason: `its alerts come from ${incident.source}, not Alertmanager`,
      };
    }
    const urls =
      this.o.alertmanagerUrls.length > 0
        ? [...this.o.alertmanagerUrls]
        : [...new Set((incident.groups ?? []).flatMap((g) => (g.externalURL ? [g.externalURL] : [])))];
    if (urls.length === 0) {
      return { outcome: 'no-alertmanager', reason: 'no Alertmanager URL is known: set ALERTMANAGER_URL' };
    }
    const firing = incident.alerts.filter((a) => a.status === 'firing');
    const matchers = silenceMatchers(firing.length > 0 ? firing : incident.alerts);
    const now = this.now();
    if (!(input.durationMs > 0 && input.durationMs <= MAX_SILENCE_MS)) {
      throw new InvalidInputError('duration', `a silence lasts more than 0 and at most 30d`);
    }
    const ms = input.durationMs;
    const endsAt = new Date(now.getTime() + ms);
    const comment = `perfbot ${incidentId}${input.comment ? `: ${input.comment.slice(0, 500)}` : ''}`;
    const silence = {
      matchers,
      startsAt: now.toISOString(),
      endsAt: endsAt.toISOString(),
      createdBy: input.user,
      comment,
    };
    const results = await Promise.allSettled(urls.map((u) => this.alertmanager(u).createSilence(silence)));
    const created: { url: string; id: string }[] = [];
    const failed: { url: string; error: string }[] = [];
    results.forEach((r, i) => {
      const url = this.alertmanager(urls[i] as string).url;
      if (r.status === 'fulfilled') created.push({ url, id: r.value });
      else failed.push({ url, error: errorMessage(r.reason) });
    });
    if (failed.length > 0)
      this.o.log.warn({ incident: incidentId, failed }, 'silence not created everywhere');
    if (created.length === 0) return { outcome: 'failed', failed };
    const reply = (await runLua(
      this.o.redis,
      RECORD_SILENCES,
      [this.key(incidentId)],
      [
        ...this.common(incidentId, input.user),
        endsAt.getTime(),
        JSON.stringify(matchers.map(({ name, value, isRegex }) => ({ name, value, isRegex }))),
        JSON.stringify(comment),
        ...created.flatMap((c) => [c.url, c.id]),
      ],
    )) as string[];
    if (reply.length === 0) return { outcome: 'not-found' };
    const event = parseIncidentEvent(reply[0] as string, reply[1] as string);
    return { outcome: 'silenced', silences: created, matchers, endsAt: endsAt.toISOString(), failed, event };
  }

  /** Expires the incident's active silences in Alertmanager (the `Expire silence` button). */
  async expire(incidentId: string, user: string): Promise<{ expired: IncidentSilence[]; failed: string[] }> {
    const expired: IncidentSilence[] = [];
    const failed: string[] = [];
    for (const s of (await this.list(incidentId)).filter((x) => x.state === 'active')) {
      try {
        await this.alertmanager(s.url).expireSilence(s.id);
        if (await this.ended(incidentId, s, 'expired-by', user)) expired.push(s);
      } catch (err) {
        failed.push(`${s.url}: ${errorMessage(err)}`);
      }
    }
    return { expired, failed };
  }

  /** The incident's silences, active and ended. */
  async list(incidentId: string): Promise<IncidentSilence[]> {
    if (!INCIDENT_ID.test(incidentId)) return [];
    const raw = await this.o.redis.hvals(`${this.key(incidentId)}:silences`);
    return raw
      .map((json) => {
        const r = JSON.parse(json) as Omit<IncidentSilence, 'endsAt'> & { endsAt: number };
        return { ...r, endsAt: new Date(r.endsAt).toISOString() };
      })
      .sort((a, b) => a.endsAt.localeCompare(b.endsAt) || a.url.localeCompare(b.url));
  }

  /** Records that a silence ended; the event once, whoever notices first. */
  async ended(
    incidentId: string,
    s: { url: string; id: string },
    reason: 'expired' | 'deleted' | 'expired-by',
    user = '',
  ): Promise<IncidentEvent | undefined> {
    const reply = (await runLua(
      this.o.redis,
      END_SILENCE,
      [this.key(incidentId)],
      [...this.common(incidentId, user), s.url, s.id, reason],
    )) as string[];
    return reply.length === 0 ? undefined : parseIncidentEvent(reply[0] as string, reply[1] as string);
  }

  private common(incidentId: string, user: string): (string | number)[] {
    return [this.prefix, incidentId, user, this.now().getTime(), this.o.streamMaxLen ?? 100_000];
  }

  private key(id: string): string {
    return `${this.prefix}incident:${id}`;
  }
}
