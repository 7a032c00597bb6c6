// Assembles the remediation pieces on one Redis: audit trail, proposal store, queue, events,
// propose/decide, and (in processes that run it) the worker. `serve` and `worker` build one;
// the Slack layer calls propose/decide and reads events; tests build one per key prefix.
import type { Redis } from 'ioredis';
import { AuditTrail } from '../audit/trail.js';
import type { Config } from '../config.js';
import type { BackendSource } from '../integrations/backends.js';
import type { ActionSource } from '../integrations/registry.js';
import type { Logger } from '../log.js';
import { createDecide, type DecideInput, type DecideOutcome } from './decide.js';
import { RemediationEvents } from './events.js';
import { GuardrailState } from './guardrail-state.js';
import { cachedGroupResolver, type ResolveGroupMembers } from './policy.js';
import type { Proposal } from './proposal.js';
import {
  type ProposeDeps,
  type ProposedRemediation,
  type ProposeInput,
  type ProposeOutcome,
  propose,
  proposeFromDiagnosis,
} from './proposals.js';
import { RemediationQueue } from './queue.js';
import { proposeRevert, type RevertInput, type RevertOutcome } from './revert.js';
import { ProposalStore } from './store.js';
import type { RerunChecks } from './verify-job.js';
import { type RemediationWorker, type RemediationWorkerOptions, startRemediationWorker } from './worker.js';

export interface RemediationServiceOptions {
  /** perfbot's request client (proposal state, audit, events). */
  redis: Redis;
  /** For BullMQ's own connections. */
  redisUrl: string;
  prefix?: string | undefined;
  config: Pick<Config, 'approvers' | 'dryRun' | 'verifyAfterMs'>;
  backends: BackendSource;
  /** Action implementations: the registry (loads integrations on demand) or a fixed map. */
  actions: ActionSource;
  log: Logger;
  now?: (() => Date) | undefined;
  /** An existing trail to share (the app's); one is created on `redis` otherwise. */
  audit?: AuditTrail | undefined;
  /** Slack usergroups.users.list; also settable later with useGroupResolver. */
  resolveGroupMembers?: ResolveGroupMembers | undefined;
  /** Retries of a run job for retryable errors, and the first backoff. */
  attempts?: number | undefined;
  backoffMs?: number | undefined;
}

export type WorkerStartOptions = { rerunChecks: RerunChecks } & Partial<
  Pick<
    RemediationWorkerOptions,
    | 'concurrency'
    | 'lockDurationMs'
    | 'stalledIntervalMs'
    | 'sweepIntervalMs'
    | 'actionTimeoutMs'
    | 'rolloutTimeoutMs'
  >
>;

export class RemediationService {
  readonly audit: AuditTrail;
  readonly store: ProposalStore;
  readonly queue: RemediationQueue;
  readonly events: RemediationEvents;
  readonly guardrails: GuardrailState;
  private readonly options: RemediationServiceOptions;
  /** What proposeFromDiagnosis/propose need, for callers that take the deps (the chat layer). */
  readonly proposeDeps: ProposeDeps;
  private groupResolver: ResolveGroupMembers | undefined;
  private readonly decideFn: (input: DecideInput) => Promise<DecideOutcome>;
  private readonly workers: RemediationWorker[] = [];

  constructor(options: RemediationServiceOptions) {
    const { redis, prefix, log, now } = options;
    this.options = options;
    if (options.resolveGroupMembers) this.useGroupResolver(options.resolveGroupMembers);
    this.audit = options.audit ?? new AuditTrail({ redis, prefix, log, now });
    this.store = new ProposalStore({ redis, prefix });
    this.queue = new RemediationQueue({
      redisUrl: options.redisUrl,
      log,
      prefix,
      attempts: options.attempts,
      backoffMs: options.backoffMs,
    });
    this.events = new RemediationEvents({ redis, prefix, log });
    this.guardrails = new GuardrailState({ redis, prefix });
    this.proposeDeps = {
      store: this.store,
      queue: this.queue,
      audit: this.audit,
      backends: options.backends,
      actions: options.actions,
      defaultApprovers: options.config.approvers,
      dryRun: options.config.dryRun,
      verifyAfterMs: options.config.verifyAfterMs,
      log,
      now,
      guardrails: this.guardrails,
    };
    this.decideFn = createDecide({
      store: this.store,
      queue: this.queue,
      audit: this.audit,
      events: this.events,
      resolveGroupMembers: (group, signal) => {
        if (!this.groupResolver) return Promise.reject(new Error('no Slack user-group resolver configured'));
        return this.groupResolver(group, signal);
      },
      log,
      now,
    });
  }

  /** The Slack layer plugs in usergroups.users.list here; cached for `ttlMs` (60 s). */
  useGroupResolver(resolve: ResolveGroupMembers, ttlMs?: number): void {
    this.groupResolver = cachedGroupResolver(resolve, { ttlMs });
  }

  propose(input: ProposeInput): Promise<ProposeOutcome> {
    return propose(this.proposeDeps, input);
  }

  proposeFromDiagnosis(input: Parameters<typeof proposeFromDiagnosis>[1]): Promise<ProposedRemediation[]> {
    return proposeFromDiagnosis(this.proposeDeps, input);
  }

  /** `/perf undo <proposal>` or Revert: a proposal restoring what the fix changed, or why not. */
  proposeRevert(input: RevertInput): Promise<RevertOutcome> {
    return proposeRevert(this.proposeDeps, input);
  }

  /** An Approve/Deny click. */
  decide(input: DecideInput): Promise<DecideOutcome> {
    return this.decideFn(input);
  }

  getProposal(id: string): Promise<Proposal | undefined> {
    return this.store.get(id);
  }

  startWorker(options: WorkerStartOptions): RemediationWorker {
    const o = this.options;
    const worker = startRemediationWorker({
      ...options,
      redisUrl: o.redisUrl,
      prefix: o.prefix,
      store: this.store,
      audit: this.audit,
      events: this.events,
      queue: this.queue,
      backends: o.backends,
      actions: o.actions,
      dryRun: o.config.dryRun,
      log: o.log,
      now: o.now,
      guardrails: this.guardrails,
    });
    this.workers.push(worker);
    return worker;
  }

  /** Lets running jobs finish, then closes the queue. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    await this.queue.close();
  }
}
