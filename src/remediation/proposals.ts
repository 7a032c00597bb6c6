// From a remediation the decision tree chose to a stored proposal: check the namespace against
// the playbook's bounds (before any call), validate the params, let the action plan against the
// live system (absolute values, a preview, its own guard rails), hold the result to the
// remediation's guardrails (a breach makes it `blocked`: stored and shown, never approvable),
// store it with its approval policy, undo declaration and expiry, audit it.
import type { AuditSink } from '../audit/types.js';
import type { Diagnosis } from '../diagnostics/decide.js';
import { parseDuration } from '../duration.js';
import { errorMessage, GuardViolationError, InvalidInputError } from '../errors.js';
import type { BackendSource } from '../integrations/backends.js';
import type { ActionSource } from '../integrations/registry.js';
import type { Logger } from '../log.js';
import { allowedNamespace } from '../playbooks/namespaces.js';
import type { Playbook, Remediation } from '../playbooks/schema.js';
import { judgeGuardrails, overrideWarnings } from './guardrail-check.js';
import type { GuardrailState } from './guardrail-state.js';
import { proposalGuardrails } from './guardrails.js';
import { policyWarnings, resolvePolicy } from './policy.js';
import { newProposalId, type Proposal, type ProposalDoc } from './proposal.js';
import type { RemediationQueue } from './queue.js';
import { resolveAction } from './resolve-action.js';
import type { ProposalStore } from './store.js';
import { IncidentResolvedError, storeProposal } from './store-proposal.js';
import { undoSupport } from './types.js';

export interface ProposeDeps {
  store: ProposalStore;
  queue: Pick<RemediationQueue, 'scheduleExpiry'>;
  audit: AuditSink;
  backends: BackendSource;
  actions: ActionSource;
  /** PERFBOT_APPROVERS. */
  defaultApprovers: readonly string[];
  /** PERFBOT_DRY_RUN. */
  dryRun: boolean;
  /** PERFBOT_VERIFY_AFTER: delay of the verification job after a successful run. */
  verifyAfterMs: number;
  log: Logger;
  now?: () => Date;
  /** Cooldowns and per-incident limits; without it only the bounds are checked. */
  guardrails?: GuardrailState | undefined;
}

export interface ProposeInput {
  playbook: Playbook;
  remediation: Remediation;
  incidentId: string;
  /** The namespace diagnosed; the playbook's target namespace by default. */
  namespace?: string | undefined;
  /** Slack user ID of who asked (`/perf diagnose`), or `system` for an alert. */
  requester: string;
  /** Checks that led to this remediation: verified afterwards when it names none itself. */
  evidenceChecks?: readonly string[] | undefined;
  signal?: AbortSignal | undefined;
  /**
   * The requester asks approvers to override a cooldown (`/perf diagnose … --override-cooldown`):
   * instead of `blocked`, the proposal is made with one more approval required than usual.
   */
  overrideCooldown?: boolean | undefined;
}

export type ProposeOutcome =
  | { status: 'created'; proposal: Proposal }
  /** The same remediation is already proposed for this incident (e.g. a repeated alert). */
  | { status: 'exists'; proposal: Proposal }
  /** Already in the desired state: nothing to approve. */
  | { status: 'noop'; preview: string }
  /** Breaks a guardrail: stored with its reasons (proposal.blocked), never approvable. */
  | { status: 'blocked'; proposal: Proposal };

const INCIDENT_ID = /^[A-Za-z0-9._-]{1,128}$/;
const PLAN_TIMEOUT_MS = 15_000;

// Nothing is proposed for an incident that has resolved (store-proposal.ts throws it).
export { IncidentResolvedError };

export async function propose(deps: ProposeDeps, input: ProposeInput): Promise<ProposeOutcome> {
  const { playbook, remediation } = input;
  if (!INCIDENT_ID.test(input.incidentId)) {
    throw new InvalidInputError('incidentId', 'incident ID: letters, digits, ".", "_", "-" only');
  }
  const now = (deps.now ?? (() => new Date()))();
  // Before planning against the live system; the store checks again, atomically, on create.
  if (await deps.store.isIncidentResolved(input.incidentId))
    throw new IncidentResolvedError(input.incidentId);
  const {
    definition,
    port,
    params: validParams,
  } = await resolveAction(deps, remediation.action, remediation.params);
  const bound = allowedNamespace(playbook, input.namespace);
  if (!bound.ok) {
    await deps.audit.append({
      actor: input.requester,
      event: 'namespace.refused',
      incident: input.incidentId,
      details: {
        playbook: playbook.id,
        remediation: remediation.id,
        namespace: bound.namespace,
        reason: bound.reason,
      },
    });
    throw new InvalidInputError('namespace', bound.reason);
  }
  const namespace = bound.namespace;
  const plan = await definition
    .plan(
      {
        params: validParams,
        namespace,
        signal: input.signal ?? AbortSignal.timeout(PLAN_TIMEOUT_MS),
        now: () => new Date(),
        log: deps.log,
      },
      port,
    )
    .catch(async (err: unknown) => {
      // The action's own guard rail (e.g. `by` past the scale's max): nothing to store, but audited.
      if (err instanceof GuardViolationError) {
        await deps.audit.append({
          actor: input.requester,
          event: 'proposal.blocked',
          incident: input.incidentId,
          details: { remediation: remediation.id, action: remediation.action, reasons: [err.message] },
        });
      }
      throw err;
    });
  if (plan.noop) {
    await deps.audit.append({
      actor: input.requester,
      event: 'proposal.noop',
      incident: input.incidentId,
      details: { remediation: remediation.id, action: remediation.action, preview: plan.preview },
    });
    return { status: 'noop', preview: plan.preview };
  }

  const params = plan.params as Record<string, unknown>;
  const verdict = await judgeGuardrails(deps.guardrails, {
    incidentId: input.incidentId,
    remediation,
    params,
    namespace,
    nowMs: now.getTime(),
    overrideCooldown: input.overrideCooldown === true,
  });
  const { blocked } = verdict;
  const overriding = verdict.overridden.length > 0;
  const base = resolvePolicy(remediation, deps.defaultApprovers);
  // The approvers' explicit override of a cooldown is one approval more than usual.
  const policy = overriding ? { ...base, required: base.required + 1 } : base;
  const undo = undoSupport(definition);
  const expiresAfterMs = parseDuration(remediation.approval.expiresAfter) ?? 30 * 60_000;
  const doc: ProposalDoc = {
    id: newProposalId(),
    incidentId: input.incidentId,
    playbookId: playbook.id,
    remediationId: remediation.id,
    title: remediation.title,
    action: remediation.action,
    namespace,
    params,
    preview: plan.preview,
    ...(plan.before === undefined ? {} : { before: plan.before }),
    ...(plan.after === undefined ? {} : { after: plan.after }),
    requester: input.requester,
    policy,
    warnings: [
      ...policyWarnings(policy, input.requester),
      ...(undo.supported ? [] : [`no undo: ${undo.reason}`]),
      ...overrideWarnings(verdict, input.requester, policy.required),
      // Until a renderer shows `blocked` itself, the reasons travel with the other warnings.
      ...blocked.map((b) => `blocked — ${b.reason}`),
    ],
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + expiresAfterMs).toISOString(),
    dryRun: deps.dryRun || playbook.dryRun || remediation.dryRun,
    verify: {
      checks: remediation.verify ?? [...new Set(input.evidenceChecks ?? [])],
      afterMs: deps.verifyAfterMs,
    },
    undo,
    guardrails: proposalGuardrails(
      remediation.guardrails,
      verdict.targets,
      overriding ? input.requester : undefined,
    ),
    ...(blocked.length > 0 ? { blocked } : {}),
  };
  return storeProposal(deps, doc, overriding ? { overrideCooldown: input.requester } : {});
}

export interface ProposedRemediation {
  remediation: Remediation;
  outcome?: ProposeOutcome;
  /** Why it could not be proposed (guard rail, back end not configured, …), for the thread. */
  error?: string;
}

/** Every remediation of a diagnosis, each verified afterwards by the checks that named it. */
export async function proposeFromDiagnosis(
  deps: ProposeDeps,
  input: Omit<ProposeInput, 'remediation' | 'evidenceChecks'> & { diagnosis: Diagnosis },
): Promise<ProposedRemediation[]> {
  const out: ProposedRemediation[] = [];
  for (const remediation of input.diagnosis.remediations) {
    const evidenceChecks = input.diagnosis.bottlenecks
      .filter((b) => b.remediations.some((r) => r.id === remediation.id))
      .flatMap((b) => b.evidenceChecks);
    try {
      out.push({ remediation, outcome: await propose(deps, { ...input, remediation, evidenceChecks }) });
    } catch (err) {
      deps.log.warn({ err, remediation: remediation.id }, 'remediation not proposed');
      out.push({ remediation, error: errorMessage(err) });
    }
  }
  return out;
}
