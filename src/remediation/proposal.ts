// A proposal: one remediation, planned against the live system, waiting for (or past) approval.
// Everything an approver was shown is stored here, server-side; buttons carry only the ID, and
// the worker runs exactly these resolved params, never the playbook's (possibly relative) ones.
import { randomBytes } from 'node:crypto';
import type { ActionKind } from '../playbooks/kinds.js';
import type { ActionResult, RestoreSpec, StateSnapshot, UndoSupport } from './types.js';

export const PROPOSAL_STATUSES = [
  'pending',
  'approved',
  'denied',
  'expired',
  'running',
  'succeeded',
  'failed',
  /** Approved, but PERFBOT_DRY_RUN or the playbook's dryRun stopped it after the preview. */
  'dry-run',
  /** Its incident resolved while it waited for approval (retiredReason says so). */
  'retired',
  /** Would break a guardrail: shown with its reasons, never approvable. */
  'blocked',
] as const;
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];

/** Nothing more will happen to a proposal in one of these states. */
export const FINAL_STATUSES: readonly ProposalStatus[] = [
  'denied',
  'expired',
  'succeeded',
  'failed',
  'dry-run',
  'retired',
  'blocked',
];

export interface ApprovalPolicy {
  /** Slack user IDs (U…/W…) and user-group IDs (S…) allowed to approve. */
  approvers: string[];
  /** Distinct approvals needed (M of N). */
  required: number;
  allowSelfApproval: boolean;
}

export interface Approval {
  userId: string;
  at: string;
}

export interface VerificationOutcome {
  passed: boolean;
  at: string;
  summary: string;
}

/** The part fixed when the proposal is made. */
export interface ProposalDoc {
  id: string;
  incidentId: string;
  playbookId: string;
  remediationId: string;
  title: string;
  action: ActionKind;
  namespace: string;
  /** Resolved by the action's plan(): absolute values, exactly what will be applied. */
  params: Record<string, unknown>;
  /** "Deployment/enrichment replicas 2 → 4" */
  preview: string;
  before?: unknown;
  after?: unknown;
  requester: string;
  policy: ApprovalPolicy;
  /** Shown with the proposal: e.g. a policy nobody can satisfy. */
  warnings: string[];
  createdAt: string;
  expiresAt: string;
  /** Preview only: set by PERFBOT_DRY_RUN, the playbook's or the remediation's dryRun. */
  dryRun: boolean;
  /** Checks re-run after success, and when. Empty: nothing to verify. */
  verify: { checks: string[]; afterMs: number };
  /** Whether the change can be reverted, said before anyone approves (kafka.partitions: no). */
  undo?: UndoSupport | undefined;
  /** Set: the proposal is `blocked` for these reasons and can never be approved. */
  blocked?: GuardrailBlock[] | undefined;
  /** The guardrails the worker enforces again when the job starts (absent on reverts). */
  guardrails?: ProposalGuardrails | undefined;
  /** A revert: restores the state `restore.of` recorded before it ran. */
  revertOf?: string | undefined;
  restore?: RestoreSpec | undefined;
}

export type GuardrailName = 'cooldown' | 'bounds' | 'max-changes';

export interface GuardrailBlock {
  guardrail: GuardrailName;
  reason: string;
}

export interface ProposalGuardrails {
  /** What the change touches, e.g. "market-data/Deployment/enrichment" (the cooldown's key). */
  targets: string[];
  cooldownMs: number;
  maxChangesPerIncident: number;
  /** Approvers were asked to override the cooldown (`--override-cooldown`: one more approval). */
  overrideCooldown?: { by: string } | undefined;
}

export interface Proposal extends ProposalDoc {
  status: ProposalStatus;
  /** In the order they were given. */
  approvals: Approval[];
  /** Who made the final decision (the approval that completed it, or the denial). */
  decidedBy?: string | undefined;
  decidedAt?: string | undefined;
  updatedAt: string;
  /** Job runs started (a retry or a recovered crash counts again). */
  attempts: number;
  result?: (ActionResult & { rollout?: string | undefined }) | undefined;
  error?: string | undefined;
  verification?: VerificationOutcome | undefined;
  /** Why it was retired ("incident resolved"). */
  retiredReason?: string | undefined;
  /** Recorded by the worker just before the action changed anything: what a revert restores. */
  prior?: StateSnapshot | undefined;
}

/**
 * `prop-` + 12 hex digits: never an integer and without `:`, as BullMQ requires of custom job
 * IDs (the run job's ID is the proposal ID, which is what makes enqueueing idempotent).
 */
export function newProposalId(): string {
  return `prop-${randomBytes(6).toString('hex')}`;
}

export const PROPOSAL_ID = /^prop-[0-9a-f]{12}$/;

export function isProposalId(value: string): boolean {
  return PROPOSAL_ID.test(value);
}
