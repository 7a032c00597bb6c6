// The runbooks' "Verification" step: some minutes after a successful remediation, re-run the
// checks that led to it (or the remediation's own `verify` list) and say whether they recovered.
// Passed means every check that could run is ok; a check still warn/critical — or no check able
// to run at all — is a failure, and the thread mentions the approvers.

import { recordAudit } from '../audit/record.js';
import type { AuditSink } from '../audit/types.js';
import { isOutOfRange } from '../diagnostics/status.js';
import type { CheckResult } from '../diagnostics/types.js';
import type { Logger } from '../log.js';
import type { RemediationEvents, VerifiedCheck } from './events.js';
import type { ProposalStore } from './store.js';

export interface RerunChecksInput {
  playbookId: string;
  checkIds: string[];
  namespace: string;
  signal: AbortSignal;
}
/** Re-runs some of a playbook's checks (the diagnostics engine restricted to them). */
export type RerunChecks = (input: RerunChecksInput) => Promise<CheckResult[]>;

export interface VerifyJobDeps {
  store: ProposalStore;
  audit: AuditSink;
  events: Pick<RemediationEvents, 'emit'>;
  rerunChecks: RerunChecks;
  log: Logger;
  now?: () => Date;
  timeoutMs?: number;
}

export interface Verdict {
  passed: boolean;
  summary: string;
  checks: VerifiedCheck[];
}

export function judge(results: readonly CheckResult[]): Verdict {
  const checks: VerifiedCheck[] = results.map((r) => ({
    checkId: r.checkId,
    title: r.title,
    status: r.status,
    value: r.value,
    summary: r.summary,
  }));
  const bad = results.filter((r) => isOutOfRange(r.status));
  const ok = results.filter((r) => r.status === 'ok');
  if (bad.length > 0) {
    return {
      passed: false,
      checks,
      summary: `not recovered: ${bad.map((r) => `${r.title} is ${r.status}`).join('; ')}`,
    };
  }
  if (ok.length === 0) {
    return {
      passed: false,
      checks,
      summary: `inconclusive: no check could run (${results.map((r) => `${r.checkId} ${r.status}`).join(', ') || 'none'})`,
    };
  }
  const unsure = results.length - ok.length;
  return {
    passed: true,
    checks,
    summary: `recovered: ${ok.length} check(s) ok${unsure ? `, ${unsure} could not run` : ''}`,
  };
}

export async function runVerificationJob(
  deps: VerifyJobDeps,
  proposalId: string,
): Promise<Verdict | undefined> {
  const now = deps.now ?? (() => new Date());
  const p = await deps.store.get(proposalId);
  if (p?.status !== 'succeeded' || p.verification) return undefined; // nothing, or done already
  const results = await deps.rerunChecks({
    playbookId: p.playbookId,
    checkIds: p.verify.checks,
    namespace: p.namespace,
    signal: AbortSignal.timeout(deps.timeoutMs ?? 120_000),
  });
  const verdict = judge(results);
  await deps.store.setVerification(proposalId, {
    passed: verdict.passed,
    at: now().toISOString(),
    summary: verdict.summary,
  });
  const proposal = await deps.store.require(proposalId);
  await recordAudit(
    deps.audit,
    {
      actor: 'system',
      event: verdict.passed ? 'verification.passed' : 'verification.failed',
      incident: p.incidentId,
      proposal: proposalId,
      details: {
        summary: verdict.summary,
        checks: Object.fromEntries(verdict.checks.map((c) => [c.checkId, c.status])),
      },
    },
    deps.log,
  );
  if (verdict.passed) {
    await deps.events.emit({
      type: 'verification.passed',
      proposal,
      checks: verdict.checks,
      summary: verdict.summary,
    });
  } else {
    const approvedBy = proposal.approvals.map((a) => a.userId);
    await deps.events.emit({
      type: 'verification.failed',
      proposal,
      checks: verdict.checks,
      summary: verdict.summary,
      mention: approvedBy.length > 0 ? approvedBy : proposal.policy.approvers,
    });
  }
  return verdict;
}
