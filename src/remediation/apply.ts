// The part of a run job that touches the system, in order: the guardrails again (atomically
// reserving the change, so racing approvals cannot both pass a limit), the prior state read and
// stored on the proposal before anything changes (what a revert restores), then the action —
// or, for a revert, the restore — and the wait for its rollout.
import { createHash } from 'node:crypto';
import { GuardViolationError } from '../errors.js';
import type { AnyActionDefinition } from '../integrations/registry.js';
import type { GuardrailState } from './guardrail-state.js';
import { cooldownReason, targetsOf } from './guardrails.js';
import type { Proposal } from './proposal.js';
import type { ProposalStore } from './store.js';
import type { ActionContext, ActionResult, StateSnapshot } from './types.js';

export interface ApplyDeps {
  store: Pick<ProposalStore, 'recordPrior'>;
  guardrails?: GuardrailState | undefined;
  now: () => Date;
}

/**
 * Before anything changes: the guardrails (reserving the change) and the state the action is
 * about to change, stored on the proposal once (a retried job keeps the first attempt's record,
 * taken before that attempt changed anything). The audit trail gets it with the job's outcome.
 */
export async function prepareChange(
  deps: ApplyDeps,
  p: Proposal,
  definition: AnyActionDefinition,
  port: unknown,
  ctx: ActionContext,
): Promise<StateSnapshot | undefined> {
  await reserve(deps, p);
  if (!definition.capture) return undefined;
  return (await deps.store.recordPrior(p.id, await definition.capture(ctx, port))).prior;
}

/** The change itself — or, for a revert, the restore — and the wait for its rollout. */
export async function applyChange(
  p: Proposal,
  definition: AnyActionDefinition,
  port: unknown,
  ctx: (timeoutMs: number) => ActionContext,
  timeouts: { actionMs: number; rolloutMs: number },
): Promise<{ result: ActionResult; rollout: string | undefined }> {
  let result: ActionResult;
  if (p.restore) {
    if (!definition.restore) {
      const why = definition.undo?.supported === false ? definition.undo.reason : 'no restore';
      throw new GuardViolationError(`${p.action} cannot be reverted: ${why}`);
    }
    result = await definition.restore(ctx(timeouts.actionMs), port, p.restore, p.id);
  } else {
    result = await definition.execute(ctx(timeouts.actionMs), port, p.id);
  }
  const rollout = definition.waitForRollout
    ? await definition.waitForRollout(ctx(timeouts.rolloutMs), port)
    : undefined;
  return { result, rollout };
}

/** The guardrails once more, at the moment of the change; reverts pass but are recorded. */
async function reserve(deps: ApplyDeps, p: Proposal): Promise<void> {
  if (!deps.guardrails || (!p.guardrails && !p.restore)) return;
  const g = p.guardrails;
  const nowMs = deps.now().getTime();
  const targets = g?.targets ?? targetsOf(p.action, p.params, p.namespace);
  const isRevert = p.restore !== undefined;
  const cooldownMs = g?.cooldownMs ?? 0;
  const maxChanges = g?.maxChangesPerIncident ?? Number.MAX_SAFE_INTEGER;
  const outcome = await deps.guardrails.reserve({
    proposalId: p.id,
    incidentId: p.incidentId,
    targets,
    nowMs,
    cooldownMs,
    maxChanges,
    checkCooldown: !isRevert && cooldownMs > 0 && !g?.overrideCooldown,
    checkMax: !isRevert,
  });
  if (outcome.ok) return;
  if (outcome.guardrail === 'cooldown') {
    throw new GuardViolationError(
      `${cooldownReason({ ...outcome, cooldownMs, nowMs }).replace(/; approvers may override.*$/, '')}; not applied`,
    );
  }
  throw new GuardViolationError(
    `max changes per incident: ${p.incidentId} has had ${outcome.changes} change(s) since this was approved (at most ${maxChanges}); not applied`,
  );
}

/**
 * A snapshot as the audit trail keeps it: long text (a ConfigMap key's whole document) is
 * replaced by its length and sha256, which is enough to prove what was restored; the full text
 * stays on the proposal in Redis.
 */
export function auditState(s: StateSnapshot): Record<string, unknown> {
  const values = Object.fromEntries(
    Object.entries(s.values).map(([k, v]) =>
      typeof v === 'string' && v.length > 200
        ? [k, `sha256:${createHash('sha256').update(v).digest('hex')} (${v.length} chars)`]
        : [k, v],
    ),
  );
  return { target: s.target, values, ...(s.resourceVersion ? { resourceVersion: s.resourceVersion } : {}) };
}

/** The prior state as audit details: `before` (absent when the action records none). */
export function beforeDetails(prior: StateSnapshot | undefined): Record<string, unknown> {
  if (!prior) return {};
  const { target, values, resourceVersion } = auditState(prior);
  return { target, before: values, ...(resourceVersion ? { beforeVersion: resourceVersion } : {}) };
}

export function afterDetails(state: StateSnapshot | undefined): Record<string, unknown> {
  if (!state) return {};
  const { values, resourceVersion } = auditState(state);
  return { after: values, ...(resourceVersion ? { afterVersion: resourceVersion } : {}) };
}
