// An Approve or Deny click → one atomic transition (scripts.ts DECIDE) → an outcome the chat
// layer can show: an ephemeral refusal, or the proposal's new state with who approved. The
// approval that completes M of N enqueues the run job with jobId = proposal ID, so a second
// enqueue (a double click answered "already decided", another replica) is a no-op. Every
// outcome, refusals included, is audited.

import { rawDetail, recordAudit } from '../audit/record.js';
import type { AuditSink } from '../audit/types.js';
import type { Logger } from '../log.js';
import type { RemediationEvents } from './events.js';
import { checkApprover, type ResolveGroupMembers } from './policy.js';
import { isProposalId, type Proposal } from './proposal.js';
import type { RemediationQueue } from './queue.js';
import { INCIDENT_RESOLVED, type ProposalStore } from './store.js';

export type Decision = 'approve' | 'deny';

export type RefusalReason =
  | 'not-found'
  | 'blocked'
  | 'already-decided'
  | 'expired'
  | 'self-approval'
  | 'not-approver'
  | 'duplicate'
  | 'no-approvers'
  /** The proposal's incident resolved: the proposal is retired and cannot be approved. */
  | 'incident-resolved';

export interface DecideInput {
  proposalId: string;
  /** Slack user ID of whoever clicked. */
  userId: string;
  decision: Decision;
}

export type DecideOutcome =
  | {
      ok: true;
      /** `approval-recorded`: counted, more approvals needed; `approved`: M of N reached, job queued. */
      result: 'approval-recorded' | 'approved' | 'denied';
      proposal: Proposal;
      /** For the clicker, e.g. "Approval recorded (1 of 2)." */
      text: string;
    }
  | {
      ok: false;
      reason: RefusalReason;
      /** The proposal as it stands (absent when not found), to refresh a stale message. */
      proposal: Proposal | undefined;
      /** Ephemeral text for the clicker. */
      text: string;
    };

export interface DecideDeps {
  store: ProposalStore;
  queue: Pick<RemediationQueue, 'enqueueRun'>;
  audit: AuditSink;
  events?: Pick<RemediationEvents, 'emit'> | undefined;
  /** Slack usergroups.users.list, wrapped in cachedGroupResolver by the caller. */
  resolveGroupMembers?: ResolveGroupMembers | undefined;
  log: Logger;
  now?: () => Date;
}

export function createDecide(deps: DecideDeps): (input: DecideInput) => Promise<DecideOutcome> {
  const now = deps.now ?? (() => new Date());
  // The decision stands (it is in Redis) even when its entry cannot be written.
  const audit = (input: Parameters<AuditSink['append']>[0]) => recordAudit(deps.audit, input, deps.log);

  return async function decide({ proposalId, userId, decision }: DecideInput): Promise<DecideOutcome> {
    if (!isProposalId(proposalId)) {
      // A forged or mangled button value never reaches a Redis key name, but is audited (cut
      // to 64 characters: it is whatever the sender put there).
      await audit({
        actor: userId,
        event: 'proposal.refused',
        details: {
          reason: 'not-found',
          decision,
          malformed: true,
          ...rawDetail('value', proposalId),
        },
      });
      return {
        ok: false,
        reason: 'not-found',
        proposal: undefined,
        text: 'This button does not belong to a remediation perfbot knows.',
      };
    }
    const before = await deps.store.get(proposalId);
    const eligibility = before
      ? await checkApprover(userId, before.policy.approvers, deps.resolveGroupMembers)
      : { eligible: false, unresolved: [] };
    const raw = await deps.store.decide(proposalId, userId, decision, eligibility.eligible, now());
    const proposal = await deps.store.get(proposalId);
    const base = { actor: userId, incident: proposal?.incidentId, proposal: proposalId };

    if (raw.outcome === 'approved' || raw.outcome === 'recorded') {
      const p = proposal as Proposal;
      const complete = raw.outcome === 'approved';
      if (complete) {
        await deps.queue.enqueueRun(proposalId).catch((err: unknown) => {
          // Approved in Redis regardless; the worker's sweep of approved proposals enqueues it.
          deps.log.error({ err, proposal: proposalId }, 'enqueue failed; the worker sweep will retry');
        });
      }
      await audit({
        ...base,
        event: 'proposal.approved',
        details: {
          approvals: `${raw.approvals}/${p.policy.required}`,
          complete,
          ...(eligibility.via ? { via: eligibility.via } : {}),
        },
      });
      return {
        ok: true,
        result: complete ? 'approved' : 'approval-recorded',
        proposal: p,
        text: complete
          ? `Approved (${raw.approvals} of ${p.policy.required}): ${p.preview} is queued${p.dryRun ? ' (dry run: preview only)' : ''}.`
          : `Approval recorded (${raw.approvals} of ${p.policy.required}); waiting for ${p.policy.required - raw.approvals} more.`,
      };
    }
    if (raw.outcome === 'denied') {
      await audit({ ...base, event: 'proposal.denied', details: {} });
      return {
        ok: true,
        result: 'denied',
        proposal: proposal as Proposal,
        text: 'Denied: this proposal is closed.',
      };
    }

    const reason = raw.outcome.slice('refused:'.length) as RefusalReason;
    if (reason === 'already-decided' && proposal?.status === 'approved') {
      // The approving call may have died between its transition and its enqueue; this no-op
      // (same job ID) closes that gap.
      await deps.queue.enqueueRun(proposalId).catch((err: unknown) => {
        deps.log.warn({ err, proposal: proposalId }, 're-enqueue failed');
      });
    }
    await audit({
      ...base,
      event: 'proposal.refused',
      details: {
        reason,
        decision,
        status: raw.status || undefined,
        ...(eligibility.unresolved.length ? { unresolvedGroups: eligibility.unresolved } : {}),
      },
    });
    if (raw.retiredNow && proposal) {
      // This click found the incident resolved before the retirer did: it retires it here.
      await audit({
        actor: 'system',
        event: 'proposal.retired',
        incident: proposal.incidentId,
        proposal: proposalId,
        details: { reason: proposal.retiredReason ?? INCIDENT_RESOLVED },
      });
      await deps.events?.emit({
        type: 'proposal.retired',
        proposal,
        reason: proposal.retiredReason ?? INCIDENT_RESOLVED,
      });
    }
    if (raw.expiredNow && proposal) {
      await audit({
        actor: 'system',
        event: 'proposal.expired',
        incident: proposal.incidentId,
        proposal: proposalId,
      });
      await deps.events?.emit({ type: 'proposal.expired', proposal });
    }
    return {
      ok: false,
      reason,
      proposal,
      text: refusalText(reason, proposal, decision, eligibility.unresolved),
    };
  };
}

export function refusalText(
  reason: RefusalReason,
  p: Proposal | undefined,
  decision: Decision,
  unresolvedGroups: readonly string[] = [],
): string {
  switch (reason) {
    case 'not-found':
      return 'This proposal no longer exists.';
    case 'blocked':
      return `This proposal is blocked by a guardrail and can never be approved: ${p?.blocked?.map((b) => b.reason).join('; ') ?? 'see the proposal'}.`;
    case 'already-decided':
      return `This proposal is already ${p?.status ?? 'decided'}${p?.decidedBy ? ` (by ${p.decidedBy})` : ''}; nothing changed.`;
    case 'expired':
      return `This proposal expired at ${p?.expiresAt ?? 'its deadline'}; run the diagnosis again to propose it anew.`;
    case 'self-approval':
      return 'You requested this remediation, so you cannot approve it yourself; another approver must.';
    case 'duplicate':
      return `You already approved this (${p?.approvals.length ?? 1} of ${p?.policy.required ?? 1}); each approver counts once.`;
    case 'no-approvers':
      return 'Nobody can approve this: the playbook lists no approvers and PERFBOT_APPROVERS is empty.';
    case 'incident-resolved':
      return `Refused: ${p?.incidentId ? `incident ${p.incidentId}` : 'the incident'} has resolved, so this proposal was retired (${p?.retiredReason ?? INCIDENT_RESOLVED}); nothing will run. Diagnose again if the problem is back.`;
    case 'not-approver': {
      const who = p?.policy.approvers.join(', ') || 'nobody';
      const unsure = unresolvedGroups.length
        ? ` (membership of ${unresolvedGroups.join(', ')} could not be checked: try again)`
        : '';
      return `You are not allowed to ${decision} this remediation. Approvers: ${who}${unsure}.`;
    }
  }
}
