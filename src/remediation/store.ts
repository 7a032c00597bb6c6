// Proposals in Redis. `<prefix>proposal:<id>` is a hash: the fixed part as one JSON field
// (`doc`) plus the fields the Lua transitions read and write (status, policy, expiry,
// attempts, result). Approvals live in `<prefix>proposal:<id>:approvals` (user → epoch ms), so
// "the same user twice counts once" is HSETNX. Proposals are kept for `retentionMs` (30 days);
// the audit trail keeps their history for good.
import type { Redis } from 'ioredis';
import { runLua } from '../audit/lua.js';
import { ProposalNotFoundError } from '../errors.js';
import type { Approval, Proposal, ProposalDoc, ProposalStatus, VerificationOutcome } from './proposal.js';
import { CREATE, DECIDE, EXPIRE, FINISH, RELEASE_OPEN, RETIRE, START } from './scripts.js';
import type { ActionResult, StateSnapshot } from './types.js';

export const DEFAULT_RETENTION_MS = 30 * 24 * 3600_000;

export interface ProposalStoreOptions {
  redis: Redis;
  /** Key prefix, `perfbot:` by default. */
  prefix?: string;
  retentionMs?: number;
  /**
   * Where incident hashes live (`<incidentPrefix><incidentId>`, src/incidents/store.ts), so a
   * proposal is never made for, nor approved after, a resolved incident. Default
   * `<prefix>incident:`.
   */
  incidentPrefix?: string;
}

/** Why a proposal is retired when its incident resolves (shown, audited, refused with). */
export const INCIDENT_RESOLVED = 'incident resolved';

export type DecisionOutcome =
  | 'approved'
  | 'recorded'
  | 'denied'
  | 'refused:not-found'
  | 'refused:blocked'
  | 'refused:already-decided'
  | 'refused:expired'
  | 'refused:not-approver'
  | 'refused:no-approvers'
  | 'refused:self-approval'
  | 'refused:duplicate'
  | 'refused:incident-resolved';

export interface DecisionRaw {
  outcome: DecisionOutcome;
  /** Status after the script ran ('' when not found). */
  status: string;
  approvals: number;
  /** This call moved it from pending to expired. */
  expiredNow: boolean;
  /** This call retired it (its incident had resolved). */
  retiredNow: boolean;
}

export type CreateResult =
  | { created: true; id: string }
  | { created: false; id: string }
  | { incidentResolved: true };

export type StartResult =
  | { ok: true; previous: 'approved' | 'running'; attempts: number }
  | { ok: false; status: string | undefined };

export class ProposalStore {
  readonly prefix: string;
  private readonly redis: Redis;
  private readonly retentionMs: number;
  private readonly incidentPrefix: string;

  constructor(options: ProposalStoreOptions) {
    this.redis = options.redis;
    this.prefix = options.prefix ?? 'perfbot:';
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.incidentPrefix = options.incidentPrefix ?? `${this.prefix}incident:`;
  }

  private incidentProposalsKey(incidentId: string) {
    return `${this.prefix}incident-proposals:${incidentId}`;
  }

  private key(id: string) {
    return `${this.prefix}proposal:${id}`;
  }
  private approvalsKey(id: string) {
    return `${this.prefix}proposal:${id}:approvals`;
  }
  private get approvedKey() {
    return `${this.prefix}proposals:approved`;
  }
  private keys(id: string) {
    return [this.key(id), this.approvalsKey(id), this.approvedKey];
  }

  /** One open proposal per incident and remediation; one open revert per fix. */
  private openKey(doc: ProposalDoc) {
    const what = doc.revertOf ? `revert:${doc.revertOf}` : doc.remediationId;
    return `${this.prefix}proposal-open:${doc.incidentId}:${what}`;
  }

  /** Every proposal made for an incident, kept as long as the proposals themselves. */
  async incidentProposals(incidentId: string): Promise<string[]> {
    return this.proposalsOf(incidentId);
  }

  /**
   * Stores a new proposal (pending, or blocked when `doc.blocked` is set), unless one for the
   * same incident and remediation is open (`created: false`, its id) or the incident has resolved
   * (`incidentResolved`, no id). An open blocked one gives way to one that is not (the cooldown
   * ran out, or approvers chose to override it).
   */
  async create(doc: ProposalDoc): Promise<CreateResult> {
    const first = await this.createOnce(doc);
    if ('incidentResolved' in first || first.created || doc.blocked) return first;
    if ((await this.redis.hget(this.key(first.id), 'status')) !== 'blocked') return first;
    await runLua(this.redis, RELEASE_OPEN, [this.openKey(doc)], [first.id]);
    return this.createOnce(doc);
  }

  private async createOnce(doc: ProposalDoc): Promise<CreateResult> {
    const openMs = Math.max(1, Date.parse(doc.expiresAt) - Date.parse(doc.createdAt));
    const fields = {
      doc: JSON.stringify(doc),
      status: doc.blocked ? 'blocked' : 'pending',
      requester: doc.requester,
      required: doc.policy.required,
      allowSelf: doc.policy.allowSelfApproval ? '1' : '0',
      hasApprovers: doc.policy.approvers.length > 0 ? '1' : '0',
      expiresAtMs: Date.parse(doc.expiresAt),
      updatedAt: doc.createdAt,
      attempts: 0,
      incident: doc.incidentId,
    };
    const [created, id] = (await runLua(
      this.redis,
      CREATE,
      [
        this.openKey(doc),
        this.key(doc.id),
        this.incidentPrefix + doc.incidentId,
        this.incidentProposalsKey(doc.incidentId),
      ],
      [doc.id, openMs, this.retentionMs, ...Object.entries(fields).flat()],
    )) as [number, string];
    if (created === -1) return { incidentResolved: true };
    return created === 1 ? { created: true, id } : { created: false, id };
  }

  /** Whether the incident has resolved (and so takes no proposals and no approvals). */
  async isIncidentResolved(incidentId: string): Promise<boolean> {
    return (await this.redis.hget(this.incidentPrefix + incidentId, 'status')) === 'resolved';
  }

  /** Proposal ids ever made for the incident (within the retention). */
  async proposalsOf(incidentId: string): Promise<string[]> {
    return this.redis.smembers(this.incidentProposalsKey(incidentId));
  }

  /** pending → retired; true if this call retired it (so exactly one caller audits it). */
  async retire(id: string, reason: string, now: Date): Promise<boolean> {
    return (await runLua(this.redis, RETIRE, [this.key(id)], [reason, now.toISOString()])) === 1;
  }

  /** The stored proposal, for callers that hold its ID from a stored step (a job, a decision). */
  async require(id: string): Promise<Proposal> {
    const proposal = await this.get(id);
    if (!proposal) throw new ProposalNotFoundError(id);
    return proposal;
  }

  async get(id: string): Promise<Proposal | undefined> {
    const [[, h], [, a]] = (await this.redis
      .multi()
      .hgetall(this.key(id))
      .hgetall(this.approvalsKey(id))
      .exec()) as [[null, Record<string, string>], [null, Record<string, string>]];
    if (!h.doc) return undefined;
    const doc = JSON.parse(h.doc) as ProposalDoc;
    const approvals: Approval[] = Object.entries(a)
      .map(([userId, ms]) => ({ userId, ms: Number(ms) }))
      .sort((x, y) => x.ms - y.ms || x.userId.localeCompare(y.userId))
      .map(({ userId, ms }) => ({ userId, at: new Date(ms).toISOString() }));
    return {
      ...doc,
      status: h.status as ProposalStatus,
      approvals,
      decidedBy: h.decidedBy,
      decidedAt: h.decidedAt,
      updatedAt: h.updatedAt ?? doc.createdAt,
      attempts: Number(h.attempts ?? 0),
      result: h.result ? (JSON.parse(h.result) as Proposal['result']) : undefined,
      error: h.error,
      verification: h.verification ? (JSON.parse(h.verification) as VerificationOutcome) : undefined,
      ...(h.retiredReason ? { retiredReason: h.retiredReason } : {}),
      prior: h.prior ? (JSON.parse(h.prior) as StateSnapshot) : undefined,
    };
  }

  /**
   * Records the state an action is about to change, once: a retried job keeps the first
   * attempt's record (by then the change may already be made). Returns the recorded state and
   * whether this call recorded it.
   */
  async recordPrior(id: string, state: StateSnapshot): Promise<{ prior: StateSnapshot; recorded: boolean }> {
    const [[, set], [, stored]] = (await this.redis
      .multi()
      .hsetnx(this.key(id), 'prior', JSON.stringify(state))
      .hget(this.key(id), 'prior')
      .exec()) as [[null, number], [null, string]];
    return { prior: JSON.parse(stored) as StateSnapshot, recorded: set === 1 };
  }

  /** `eligible`: the user is an approver (directly or through a group), resolved by the caller. */
  async decide(
    id: string,
    userId: string,
    decision: 'approve' | 'deny',
    eligible: boolean,
    now: Date,
  ): Promise<DecisionRaw> {
    const [outcome, status, approvals, expiredNow, retiredNow] = (await runLua(
      this.redis,
      DECIDE,
      this.keys(id),
      [userId, decision, now.getTime(), eligible ? '1' : '0', now.toISOString(), id, this.incidentPrefix],
    )) as [DecisionOutcome, string, number, number, number | undefined];
    return { outcome, status, approvals, expiredNow: expiredNow === 1, retiredNow: retiredNow === 1 };
  }

  async start(id: string, now: Date): Promise<StartResult> {
    const [r, s, n] = (await runLua(this.redis, START, this.keys(id), [now.toISOString(), id])) as [
      string,
      string,
      number,
    ];
    if (r === 'ok') return { ok: true, previous: s as 'approved' | 'running', attempts: n };
    return { ok: false, status: r === 'missing' ? undefined : s };
  }

  /** running → a final status; false if it was not running (someone else finished it). */
  async finish(
    id: string,
    status: 'succeeded' | 'failed' | 'dry-run',
    now: Date,
    outcome: { result?: ActionResult & { rollout?: string | undefined }; error?: string },
  ): Promise<boolean> {
    const fields: string[] = [];
    if (outcome.result) fields.push('result', JSON.stringify(outcome.result));
    if (outcome.error !== undefined) fields.push('error', outcome.error);
    return (await runLua(this.redis, FINISH, this.keys(id), [status, now.toISOString(), ...fields])) === 1;
  }

  /** The last error of a job that will be retried, for status displays. */
  async noteError(id: string, error: string): Promise<void> {
    await this.redis.hset(this.key(id), 'error', error);
  }

  async setVerification(id: string, outcome: VerificationOutcome): Promise<void> {
    await this.redis.hset(this.key(id), 'verification', JSON.stringify(outcome));
  }

  /** pending → expired when its time has come; true if this call expired it. */
  async expireIfDue(id: string, now: Date): Promise<boolean> {
    return (await runLua(this.redis, EXPIRE, this.keys(id), [now.getTime(), now.toISOString()])) === 1;
  }

  /** Approved proposals whose job has not started: re-enqueued at worker start (idempotent). */
  async approvedNotStarted(): Promise<string[]> {
    return this.redis.smembers(this.approvedKey);
  }
}
