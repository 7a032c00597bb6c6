// The last step of making any proposal (a fix or a revert): store it, then — only if it is new —
// schedule its expiry and audit it: `proposal.blocked` with the guardrails' reasons, or
// `proposal.created` with its policy. A blocked proposal gets no expiry: it can never be decided.
// A resolved incident takes no proposal at all (IncidentResolvedError).
import type { AuditSink } from '../audit/types.js';
import { InvalidInputError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Proposal, ProposalDoc } from './proposal.js';
import type { RemediationQueue } from './queue.js';
import type { ProposalStore } from './store.js';

export interface StoreProposalDeps {
  store: ProposalStore;
  queue: Pick<RemediationQueue, 'scheduleExpiry'>;
  audit: AuditSink;
  log: Logger;
}

/** Nothing is proposed for an incident that has resolved (its proposals are retired, too). */
export class IncidentResolvedError extends InvalidInputError {
  constructor(incidentId: string) {
    super('incidentId', `incident ${incidentId} has resolved: nothing is proposed for it`);
  }
}

export type StoredProposal =
  | { status: 'created'; proposal: Proposal }
  | { status: 'exists'; proposal: Proposal }
  | { status: 'blocked'; proposal: Proposal };

export async function storeProposal(
  deps: StoreProposalDeps,
  doc: ProposalDoc,
  /** Audit details beyond the common ones (remediation, action, preview, params, undo). */
  extra: Record<string, unknown> = {},
): Promise<StoredProposal> {
  const stored = await deps.store.create(doc);
  // Checked atomically with the create: a proposal never slips in after the resolution.
  if ('incidentResolved' in stored) throw new IncidentResolvedError(doc.incidentId);
  const { created, id } = stored;
  const proposal = await deps.store.get(id);
  if (!proposal) throw new InvalidInputError('proposal', `proposal ${id} vanished after being stored`);
  if (!created) return { status: 'exists', proposal };

  const details = {
    remediation: doc.remediationId,
    action: doc.action,
    preview: doc.preview,
    params: doc.params,
    undo: doc.undo?.supported === false ? `no: ${doc.undo.reason}` : 'yes',
    ...(doc.revertOf ? { revertOf: doc.revertOf } : {}),
  };
  const base = { actor: doc.requester, incident: doc.incidentId, proposal: id };
  if (doc.blocked) {
    await deps.audit.append({
      ...base,
      event: 'proposal.blocked',
      details: {
        ...details,
        guardrails: doc.blocked.map((b) => b.guardrail),
        reasons: doc.blocked.map((b) => b.reason),
      },
    });
    deps.log.info({ proposal: id, incident: doc.incidentId }, 'proposal blocked by a guardrail');
    return { status: 'blocked', proposal };
  }
  await deps.queue.scheduleExpiry(id, Date.parse(doc.expiresAt) - Date.parse(doc.createdAt));
  await deps.audit.append({
    ...base,
    event: 'proposal.created',
    details: {
      ...details,
      approvers: doc.policy.approvers,
      required: doc.policy.required,
      allowSelfApproval: doc.policy.allowSelfApproval,
      expiresAt: doc.expiresAt,
      dryRun: doc.dryRun,
      warnings: doc.warnings,
      ...extra,
    },
  });
  deps.log.info({ proposal: id, incident: doc.incidentId, action: doc.action }, 'proposal created');
  return { status: 'created', proposal };
}
