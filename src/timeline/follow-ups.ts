// The post-mortem's follow-ups: what the record says still needs a person — changes left in
// place, fixes that did not help, guardrails that stopped something, an unresolved incident, a
// broken audit chain — then the runbook's recovery steps that are always left to people.
import type { Timeline, TrailEntry } from './types.js';

/** Runbook "Performance Incident Response" › Recovery, the parts no bot can do. */
const RUNBOOK_STEPS = [
  'Monitor stability for a while before closing the incident for good.',
  'Update documentation: the runbook and playbook where this incident showed a gap.',
  'Conduct the post-mortem: review this draft with the people involved.',
];

export function followUps(t: Timeline, entries: readonly TrailEntry[]): string[] {
  const out: string[] = [];
  if (!t.chain.ok) {
    out.push(
      `Find out why the audit chain is broken (${t.chain.problem?.reason ?? 'see above'}) before relying on this record.`,
    );
  }
  if (!t.milestones.resolved)
    out.push('The incident is not resolved in the audit trail: resolve it, or say why it stays open.');
  for (const c of t.changes) {
    if (c.revertOf) continue;
    if (c.status === 'applied' && !c.revertedBy) {
      out.push(
        c.undo?.startsWith('no')
          ? `${c.preview} (${c.proposal}) stays for good (${c.undo}): record it where the service is documented.`
          : `Keep or revert ${c.preview} (${c.proposal}): if it stays, make it permanent in the manifests or Helm values so the next deploy does not undo it; if not, /perf undo ${c.proposal}.`,
      );
    }
    if (c.verification && !c.verification.passed) {
      out.push(
        `Not recovered after ${c.preview} (${c.proposal}): ${c.verification.summary}. The cause may lie elsewhere.`,
      );
    }
    if (c.status === 'failed')
      out.push(`${c.preview} (${c.proposal}) failed: ${c.error ?? 'see the trail'}.`);
    if (c.status === 'blocked') {
      out.push(
        `A guardrail blocked ${c.preview} (${c.proposal}): ${c.blockedBy.join('; ')}. Decide whether the fix or the guardrail should change.`,
      );
    }
  }
  for (const e of entries) {
    if (e.event === 'proposal.blocked' && !e.proposal) {
      const reasons = Array.isArray(e.details.reasons) ? e.details.reasons.join('; ') : '';
      out.push(`${String(e.details.remediation ?? 'A remediation')} could not be proposed: ${reasons}.`);
    }
  }
  return [...out, ...RUNBOOK_STEPS];
}
