// One attempt of a `run` job: re-read the stored proposal, refuse anything not approved, then
// execute the action with the proposal ID (idempotent), wait for the rollout (bounded), record
// the result, schedule verification. Retryable errors (PerfbotError.retryable) are rethrown for
// BullMQ's exponential backoff; everything else ends the job with UnrecoverableError.
import { UnrecoverableError } from 'bullmq';
import { recordAudit } from '../audit/record.js';
import type { AuditInput, AuditSink } from '../audit/types.js';
import { errorMessage, PerfbotError } from '../errors.js';
import type { BackendSource } from '../integrations/backends.js';
import type { ActionSource } from '../integrations/registry.js';
import type { Logger } from '../log.js';
import { afterDetails as after, applyChange, beforeDetails as before, prepareChange } from './apply.js';
import type { RemediationEvents } from './events.js';
import type { GuardrailState } from './guardrail-state.js';
import type { Proposal } from './proposal.js';
import type { RemediationQueue } from './queue.js';
import { resolveAction } from './resolve-action.js';
import type { ProposalStore } from './store.js';
import type { ActionResult, StateSnapshot } from './types.js';

export interface RunJobDeps {
  store: ProposalStore;
  audit: AuditSink;
  events: Pick<RemediationEvents, 'emit'>;
  queue: Pick<RemediationQueue, 'scheduleVerification'>;
  backends: BackendSource;
  actions: ActionSource;
  /** PERFBOT_DRY_RUN of the worker's process. */
  dryRun: boolean;
  log: Logger;
  now?: () => Date;
  /** Bound on execute(); default 60 s. */
  actionTimeoutMs?: number | undefined;
  /** Bound on waitForRollout(); default 10 min. */
  rolloutTimeoutMs?: number | undefined;
  /** Cooldowns and per-incident limits, enforced again when a change starts. */
  guardrails?: GuardrailState | undefined;
}

export interface RunJobInfo {
  proposalId: string;
  /** BullMQ's attemptsMade: failed attempts before this one. */
  attemptsMade: number;
  maxAttempts: number;
  backoffMs: number;
}

export type RunJobResult = { status: 'succeeded' | 'dry-run' | 'already-done'; summary: string };

export async function runRemediationJob(deps: RunJobDeps, job: RunJobInfo): Promise<RunJobResult> {
  const now = deps.now ?? (() => new Date());
  const id = job.proposalId;
  const audit = (input: Omit<AuditInput, 'proposal'>, p?: Proposal) =>
    recordAudit(deps.audit, { ...input, proposal: id, incident: p?.incidentId }, deps.log);

  const stored = await deps.store.get(id);
  if (stored?.status === 'succeeded' || stored?.status === 'dry-run') {
    // A duplicate job for a finished proposal: exactly once means doing nothing.
    return { status: 'already-done', summary: stored.result?.summary ?? stored.status };
  }
  const start = await deps.store.start(id, now());
  if (!start.ok) {
    await audit(
      { actor: 'system', event: 'job.refused', details: { status: start.status ?? 'missing' } },
      stored,
    );
    throw new UnrecoverableError(
      `proposal ${id} is ${start.status ?? 'missing'}, not approved: nothing runs`,
    );
  }
  const proposal = await deps.store.require(id);
  const attempt = job.attemptsMade + 1;
  await audit(
    {
      actor: 'system',
      event: 'job.started',
      details: {
        attempt,
        action: proposal.action,
        preview: proposal.preview,
        resumed: start.previous === 'running',
      },
    },
    proposal,
  );
  await deps.events.emit({ type: 'job.started', proposal, attempt });

  // Recorded before the change; every outcome entry of the audit trail carries it.
  let prior: StateSnapshot | undefined;
  try {
    const { definition, port, params } = await resolveAction(deps, proposal.action, proposal.params);
    const ctx = (ms: number) => ({
      params,
      namespace: proposal.namespace,
      signal: AbortSignal.timeout(ms),
      now,
      log: deps.log.child({ proposal: id }),
    });

    if (deps.dryRun || proposal.dryRun) {
      const reason = deps.dryRun ? 'PERFBOT_DRY_RUN=1' : 'the playbook or remediation sets dryRun';
      // The preview as of now, so the dry run shows what a real run would do at this moment.
      const planCtx = ctx(deps.actionTimeoutMs ?? 60_000);
      const preview = await (proposal.restore && definition.planRevert
        ? definition.planRevert(planCtx, port, proposal.restore)
        : definition.plan(planCtx, port)
      )
        .then((p) => p.preview)
        .catch(() => proposal.preview);
      const result: ActionResult = { summary: `dry run (${reason}): would apply ${preview}`, changed: false };
      await deps.store.finish(id, 'dry-run', now(), { result });
      const done = await deps.store.require(id);
      await audit({ actor: 'system', event: 'job.dry-run', details: { reason, preview } }, done);
      await deps.events.emit({ type: 'job.dry-run', proposal: done, preview, reason });
      return { status: 'dry-run', summary: result.summary };
    }

    const actionMs = deps.actionTimeoutMs ?? 60_000;
    prior = await prepareChange(
      { store: deps.store, guardrails: deps.guardrails, now },
      proposal,
      definition,
      port,
      ctx(actionMs),
    );
    const { result, rollout } = await applyChange(proposal, definition, port, ctx, {
      actionMs,
      rolloutMs: deps.rolloutTimeoutMs ?? 600_000,
    });
    await deps.store.finish(id, 'succeeded', now(), { result: { ...result, rollout } });
    const done = await deps.store.require(id);
    await audit(
      {
        actor: 'system',
        event: 'job.succeeded',
        details: {
          attempt,
          summary: result.summary,
          changed: result.changed,
          rollout,
          ...before(prior),
          ...after(result.after),
          ...(proposal.revertOf ? { revertOf: proposal.revertOf } : {}),
        },
      },
      done,
    );
    await deps.events.emit({ type: 'job.succeeded', proposal: done, result, rollout });
    await scheduleVerification(deps, done, audit, now);
    return { status: 'succeeded', summary: result.summary };
  } catch (err) {
    const message = errorMessage(err);
    const code = err instanceof PerfbotError ? err.code : undefined;
    const retryable = err instanceof PerfbotError && err.retryable;
    if (retryable && attempt < job.maxAttempts) {
      const retryInMs = job.backoffMs * 2 ** job.attemptsMade;
      await deps.store.noteError(id, message);
      await audit(
        {
          actor: 'system',
          event: 'job.retried',
          details: { attempt, error: message, code, retryInMs, ...before(prior) },
        },
        proposal,
      );
      await deps.events.emit({ type: 'job.retried', proposal, attempt, error: message, retryInMs });
      throw err;
    }
    await deps.store.finish(id, 'failed', now(), { error: message });
    const failed = (await deps.store.get(id)) ?? proposal;
    await audit(
      { actor: 'system', event: 'job.failed', details: { attempt, error: message, code, ...before(prior) } },
      failed,
    );
    await deps.events.emit({ type: 'job.failed', proposal: failed, error: message, code });
    throw new UnrecoverableError(message);
  }
}

async function scheduleVerification(
  deps: RunJobDeps,
  p: Proposal,
  audit: (input: Omit<AuditInput, 'proposal'>, p?: Proposal) => Promise<unknown>,
  now: () => Date,
): Promise<void> {
  if (p.verify.checks.length === 0) return;
  try {
    await deps.queue.scheduleVerification(p.id, p.verify.afterMs);
  } catch (err) {
    deps.log.error({ err, proposal: p.id }, 'verification not scheduled');
    return;
  }
  const at = new Date(now().getTime() + p.verify.afterMs).toISOString();
  await audit(
    { actor: 'system', event: 'verification.scheduled', details: { at, checks: p.verify.checks } },
    p,
  );
  await deps.events.emit({ type: 'verification.scheduled', proposal: p, at, checks: p.verify.checks });
}
