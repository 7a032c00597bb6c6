// From a remediation the decision tree chose to a stored proposal: validate the params, let the
// action plan against the live system (absolute values, a preview, guard rails), store it with
// its approval policy and expiry, schedule the expiry job, audit it.
import type { AuditSink } from '../audit/types.js';
import type { Diagnosis } from '../diagnostics/decide.js';
import { parseDuration } from '../duration.js';
import { errorMessage, InvalidInputError } from '../errors.js';
import type { BackendSource } from '../integrations/backends.js';
import type { ActionSource } from '../integrations/registry.js';
import type { Logger } from '../log.js';
import type { Playbook, Remediation } from '../playbooks/schema.js';
import { policyWarnings, resolvePolicy } from './policy.js';
import { newProposalId, type Proposal, type ProposalDoc } from './proposal.js';
import type { RemediationQueue } from './queue.js';
import { resolveAction } from './resolve-action.js';
import type { ProposalStore } from './store.js';

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
}

export type ProposeOutcome =
  | { status: 'created'; proposal: Proposal }
  /** The same remediation is already proposed for this incident (e.g. a repeated alert). */
  | { status: 'exists'; proposal: Proposal }
  /** Already in the desired state: nothing to approve. */
  | { status: 'noop'; preview: string };

const INCIDENT_ID = /^[A-Za-z0-9._-]{1,128}$/;
const PLAN_TIMEOUT_MS = 15_000;

/** Nothing is proposed for an incident that has resolved (its proposals are retired, too). */
export class IncidentResolvedError extends InvalidInputError {
  constructor(incidentId: string) {
    super('incidentId', `incident ${incidentId} has resolved: nothing is proposed for it`);
  }
}

export async function propose(deps: ProposeDeps, input: ProposeInput): Promise<ProposeOutcome> {
  const { playbook, remediation } = input;
  if (!INCIDENT_ID.test(input.incidentId)) {
    throw new InvalidInputError('incidentId', 'incident ID: letters, digits, ".", "_", "-" only');
  }
  const now = (deps.now ?? (() => new Date()))();
  // Before planning against the live system; the store checks again, atomically, on create.
  if (await deps.store.isIncidentResolved(input.incidentId))
    throw new IncidentResolvedError(input.incidentId);
  const { definition, port, params } = await resolveAction(deps, remediation.action, remediation.params);
  const namespace = input.namespace ?? playbook.target.namespace;
  const plan = await definition.plan(
    {
      params,
      namespace,
      signal: input.signal ?? AbortSignal.timeout(PLAN_TIMEOUT_MS),
      now: () => new Date(),
      log: deps.log,
    },
    port,
  );
  if (plan.noop) {
    await deps.audit.append({
      actor: input.requester,
      event: 'proposal.noop',
      incident: input.incidentId,
      details: { remediation: remediation.id, action: remediation.action, preview: plan.preview },
    });
    return { status: 'noop', preview: plan.preview };
  }

  const policy = resolvePolicy(remediation, deps.defaultApprovers);
  const expiresAfterMs = parseDuration(remediation.approval.expiresAfter) ?? 30 * 60_000;
  const doc: ProposalDoc = {
    id: newProposalId(),
    incidentId: input.incidentId,
    playbookId: playbook.id,
    remediationId: remediation.id,
    title: remediation.title,
    action: remediation.action,
    namespace,
    params: plan.params as Record<string, unknown>,
    preview: plan.preview,
    ...(plan.before === undefined ? {} : { before: plan.before }),
    ...(plan.after === undefined ? {} : { after: plan.after }),
    requester: input.requester,
    policy,
    warnings: policyWarnings(policy, input.requester),
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + expiresAfterMs).toISOString(),
    dryRun: deps.dryRun || playbook.dryRun || remediation.dryRun,
    verify: {
      checks: remediation.verify ?? [...new Set(input.evidenceChecks ?? [])],
      afterMs: deps.verifyAfterMs,
    },
  };
  const stored = await deps.store.create(doc);
  if ('incidentResolved' in stored) throw new IncidentResolvedError(input.incidentId);
  const { created, id } = stored;
  const proposal = await deps.store.get(id);
  if (!proposal) throw new InvalidInputError('proposal', `proposal ${id} vanished after being stored`);
  if (!created) return { status: 'exists', proposal };

  await deps.queue.scheduleExpiry(id, expiresAfterMs);
  await deps.audit.append({
    actor: input.requester,
    event: 'proposal.created',
    incident: input.incidentId,
    proposal: id,
    details: {
      remediation: remediation.id,
      action: remediation.action,
      preview: plan.preview,
      params: doc.params,
      approvers: policy.approvers,
      required: policy.required,
      allowSelfApproval: policy.allowSelfApproval,
      expiresAt: doc.expiresAt,
      dryRun: doc.dryRun,
      warnings: doc.warnings,
    },
  });
  deps.log.info({ proposal: id, incident: input.incidentId, action: remediation.action }, 'proposal created');
  return { status: 'created', proposal };
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
