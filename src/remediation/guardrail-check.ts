// A planned change held to its remediation's guardrails when it is proposed: bounds on the
// resolved params, the cooldown of every target it touches, the incident's change count. The
// verdict says what blocks it and which cooldowns the requester asked approvers to override.
import { parseDuration } from '../duration.js';
import type { Remediation } from '../playbooks/schema.js';
import type { GuardrailState } from './guardrail-state.js';
import { boundsViolations, cooldownReason, maxChangesReason, targetsOf } from './guardrails.js';
import type { GuardrailBlock } from './proposal.js';

export interface GuardrailVerdict {
  /** Cooldown keys of what the change touches. */
  targets: string[];
  /** Reasons it may not be approved at all (empty: it may be). */
  blocked: GuardrailBlock[];
  /** Cooldowns the approvers are asked to override (one more approval). */
  overridden: GuardrailBlock[];
}

export async function judgeGuardrails(
  state: GuardrailState | undefined,
  input: {
    incidentId: string;
    remediation: Remediation;
    params: Record<string, unknown>;
    namespace: string;
    nowMs: number;
    overrideCooldown: boolean;
  },
): Promise<GuardrailVerdict> {
  const { remediation, nowMs } = input;
  const targets = targetsOf(remediation.action, input.params, input.namespace);
  const found = boundsViolations(remediation.action, input.params, remediation.guardrails.bounds);
  if (state) {
    const cooldownMs = parseDuration(remediation.guardrails.cooldown) ?? 0;
    for (const last of await state.lastChanges(targets)) {
      if (nowMs - last.atMs < cooldownMs) {
        found.push({ guardrail: 'cooldown', reason: cooldownReason({ ...last, cooldownMs, nowMs }) });
      }
    }
    const max = remediation.guardrails.maxChangesPerIncident;
    const changes = await state.changesIn(input.incidentId);
    if (changes.length >= max) {
      found.push({ guardrail: 'max-changes', reason: maxChangesReason(input.incidentId, changes, max) });
    }
  }
  const overridden = input.overrideCooldown ? found.filter((b) => b.guardrail === 'cooldown') : [];
  return { targets, blocked: found.filter((b) => !overridden.includes(b)), overridden };
}

/** Shown with an overriding proposal, so every approver sees what they are overriding. */
export function overrideWarnings(verdict: GuardrailVerdict, requester: string, required: number): string[] {
  return verdict.overridden.map(
    (b) =>
      `cooldown overridden at the request of ${requester} (${b.reason.replace(/; approvers may override.*$/, '')}): needs ${required} approvals, one more than usual`,
  );
}
