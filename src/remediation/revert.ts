// Undo: after a fix has run, a new proposal that restores exactly the state the worker recorded
// before the fix changed anything. It carries the fix's approval policy (same approvers, same
// number of approvals, same self-approval rule) and goes through the same decide → queue →
// worker path. It is refused, with the reason, when the action has no undo (Kafka partitions),
// when the fix never ran, or when the object changed since the fix (someone or something
// changed it again: restoring would silently overwrite that). Reverts are exempt from the
// cooldown and the per-incident limit: they are the way back, not another step forward.
import { rawDetail } from '../audit/record.js';
import { BACKEND_VARIABLE } from '../diagnostics/types.js';
import { GuardViolationError } from '../errors.js';
import { type BackendSource, toBackends } from '../integrations/backends.js';
import { type ActionSource, actionOf } from '../integrations/registry.js';
import { ACTION_PARAMS } from '../playbooks/kinds.js';
import { policyWarnings } from './policy.js';
import { isProposalId, newProposalId, type Proposal, type ProposalDoc } from './proposal.js';
import { IncidentResolvedError, type StoreProposalDeps, storeProposal } from './store-proposal.js';
import { type AnyActionDefinition, type RestoreSpec, undoSupport } from './types.js';

export interface RevertDeps extends StoreProposalDeps {
  backends: BackendSource;
  actions: ActionSource;
  /** PERFBOT_DRY_RUN. */
  dryRun: boolean;
  now?: (() => Date) | undefined;
}

export interface RevertInput {
  /** The fix to revert. */
  proposalId: string;
  /** Slack user ID (or CLI user) asking for the revert: the revert's requester. */
  requester: string;
  signal?: AbortSignal | undefined;
}

export type RevertOutcome =
  | { status: 'created' | 'exists'; proposal: Proposal; of: Proposal }
  /** Already back in the prior state: nothing to approve. */
  | { status: 'noop'; preview: string; of: Proposal }
  | { status: 'refused'; reason: string; of?: Proposal | undefined };

const PLAN_TIMEOUT_MS = 15_000;

export async function proposeRevert(deps: RevertDeps, input: RevertInput): Promise<RevertOutcome> {
  const now = (deps.now ?? (() => new Date()))();
  const of = isProposalId(input.proposalId) ? await deps.store.get(input.proposalId) : undefined;
  const refuse = async (reason: string): Promise<RevertOutcome> => {
    await deps.audit.append({
      actor: input.requester,
      event: 'revert.refused',
      incident: of?.incidentId,
      proposal: of?.id,
      details: { ...rawDetail('of', input.proposalId), reason },
    });
    return { status: 'refused', reason, of };
  };
  if (!of) return refuse(`no proposal ${input.proposalId.slice(0, 64)} (IDs look like prop-1a2b3c4d5e6f)`);
  if (of.status !== 'succeeded') {
    return refuse(
      of.status === 'dry-run'
        ? `${of.id} was a dry run: it changed nothing, so there is nothing to revert`
        : `${of.id} is ${of.status}: only a change that ran can be reverted`,
    );
  }
  const definition = await actionOf(deps.actions, of.action);
  const undo = definition ? undoSupport(definition) : undefined;
  if (!definition || !undo?.supported || !definition.planRevert) {
    return refuse(
      `${of.action} has no undo: ${undo && !undo.supported ? undo.reason : 'its action declares no way back'}`,
    );
  }
  if (!of.prior || !of.result?.after) {
    return refuse(`${of.id} ran without a recorded prior state, so there is no exact state to restore`);
  }
  const backends = toBackends(deps.backends);
  if (!backends.has(definition.backend)) return refuse(`set ${BACKEND_VARIABLE[definition.backend]}`);
  const port = await backends.get(definition.backend);
  const params = ACTION_PARAMS[of.action].safeParse(of.params);
  if (!params.success) return refuse(`${of.id} has stored params this version cannot read`);

  const spec: RestoreSpec = { of: of.id, prior: of.prior, expected: of.result.after };
  let plan: Awaited<ReturnType<NonNullable<AnyActionDefinition['planRevert']>>>;
  try {
    plan = await definition.planRevert(
      {
        params: params.data,
        namespace: of.namespace,
        signal: input.signal ?? AbortSignal.timeout(PLAN_TIMEOUT_MS),
        now: () => new Date(),
        log: deps.log,
      },
      port,
      spec,
    );
  } catch (err) {
    if (err instanceof GuardViolationError) return refuse(err.message);
    throw err;
  }
  if (plan.noop) {
    await deps.audit.append({
      actor: input.requester,
      event: 'proposal.noop',
      incident: of.incidentId,
      proposal: of.id,
      details: { revertOf: of.id, preview: plan.preview },
    });
    return { status: 'noop', preview: plan.preview, of };
  }
  const window = Math.max(60_000, Date.parse(of.expiresAt) - Date.parse(of.createdAt));
  const doc: ProposalDoc = {
    id: newProposalId(),
    incidentId: of.incidentId,
    playbookId: of.playbookId,
    remediationId: of.remediationId,
    title: `Revert: ${of.title}`,
    action: of.action,
    namespace: of.namespace,
    params: of.params,
    preview: plan.preview,
    ...(plan.before === undefined ? {} : { before: plan.before }),
    ...(plan.after === undefined ? {} : { after: plan.after }),
    requester: input.requester,
    policy: of.policy,
    warnings: policyWarnings(of.policy, input.requester),
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + window).toISOString(),
    dryRun: deps.dryRun,
    // The checks would only say the problem is back; the revert is judged by its restore.
    verify: { checks: [], afterMs: 0 },
    undo: { supported: true },
    revertOf: of.id,
    restore: spec,
  };
  let stored: Awaited<ReturnType<typeof storeProposal>>;
  try {
    stored = await storeProposal(deps, doc);
  } catch (err) {
    // Its incident resolved: nothing is proposed for it any more, a revert included.
    if (err instanceof IncidentResolvedError) return refuse(`incident ${of.incidentId} has resolved`);
    throw err;
  }
  if (stored.status === 'blocked') return { status: 'refused', reason: 'blocked', of };
  return { status: stored.status, proposal: stored.proposal, of };
}
