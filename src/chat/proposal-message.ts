// A proposed remediation as a chat message: the preview of the change, who may approve, how
// many approvals are needed, when it expires, and — while it can still be decided — the
// Approve / Deny buttons, which carry the proposal ID and nothing else. The same function
// renders every later state (approved by whom, denied, expired, done), so an update is a
// re-render of the stored proposal. A proposal blocked by a guardrail is drawn with its
// reasons and never with buttons. The Revert button of a fix that ran is drawn here
// (undoParts) and posted with the fix's "Done" reply (remediation-feed.ts), which is redrawn
// without it once the revert has run.
import type { Proposal } from '../remediation/proposal.js';
import {
  type ChatMessage,
  fields,
  formatAge,
  list,
  mention,
  mentions,
  note,
  type Part,
  plainText,
  rich,
  type Span,
  TONE_MARK,
  type Tone,
  text,
} from './message.js';

/** Approvers and requesters are perfbot's own mentions (policy, Slack's signed user IDs). */
const who = (id: string): Span => (id === 'system' ? 'an alert' : mention(id));
const whoList = (ids: readonly string[]): Span[] =>
  ids.flatMap((id, i) => (i === 0 ? [who(id)] : [', ', who(id)]));

export function proposalMessage(p: Proposal, now: Date): ChatMessage {
  const expired =
    p.status === 'expired' || (p.status === 'pending' && Date.parse(p.expiresAt) <= now.getTime());
  const blocked = p.status === 'blocked';
  const approvers = p.policy.approvers.length > 0 ? mentions(p.policy.approvers) : 'nobody';
  const approvedBy = whoList(p.approvals.map((a) => a.userId));
  const status = statusLine(p, expired);
  const parts: Part[] = [
    text(status, tone(p, expired)),
    fields({
      Change: p.preview,
      Action: `${p.action} in ${p.namespace}`,
      'May approve': approvers,
      Approvals: blocked
        ? undefined
        : rich`${p.approvals.length} of ${p.policy.required} needed${approvedBy.length > 0 ? rich` (${approvedBy})` : ''}${p.policy.allowSelfApproval ? '' : ' · no self-approval'}`,
      Expires: blocked
        ? undefined
        : expired
          ? `expired ${p.expiresAt}`
          : `${p.expiresAt} (in ${formatAge(Date.parse(p.expiresAt) - now.getTime())})`,
      'Requested by': [who(p.requester)],
      ...(p.revertOf ? { Reverts: p.revertOf } : {}),
    }),
  ];
  if (blocked) parts.push(...blockedParts(p));
  // The proposal store also carries the block reasons as warnings ("blocked — …"): drawn once.
  const shownBlocks = new Set((p.blocked ?? []).map((b) => `blocked — ${b.reason}`));
  for (const w of p.warnings) if (!shownBlocks.has(w)) parts.push(note(`⚠ ${w}`));
  if (p.dryRun) parts.push(note('Dry run: approving shows what would change; nothing is applied.'));
  if (p.result)
    parts.push(text(`Result: ${p.result.summary}${p.result.rollout ? ` — ${p.result.rollout}` : ''}`, 'ok'));
  if (p.error) parts.push(text(`Error: ${p.error}`, 'error'));
  if (p.verification)
    parts.push(text(`Verification: ${p.verification.summary}`, p.verification.passed ? 'ok' : 'warn'));
  if (p.status === 'pending' && !expired) {
    parts.push({
      kind: 'actions',
      buttons: [
        { actionId: 'remediation.approve', label: 'Approve', value: p.id, style: 'primary' },
        { actionId: 'remediation.deny', label: 'Deny', value: p.id, style: 'danger' },
      ],
    });
  }
  parts.push(note(`${p.id}${p.incidentId ? ` · ${p.incidentId}` : ''}`));
  const summary = rich`${status}: ${p.preview}`;
  // The terminal prints the proposal once in full, then one line per change of state.
  return {
    summary,
    parts,
    terminal: { show: 'full', line: `${TONE_MARK[tone(p, expired)]} ${plainText(summary)}` },
  };
}

function statusLine(p: Proposal, expired: boolean): Span[] {
  const by = p.decidedBy ? rich` by ${who(p.decidedBy)}` : '';
  const approvedBy =
    p.approvals.length > 0 ? rich` (approved by ${whoList(p.approvals.map((a) => a.userId))})` : '';
  if (expired) return rich`Expired: ${p.title} — the buttons no longer work`;
  switch (p.status) {
    case 'pending':
      return rich`Proposed: ${p.title}`;
    case 'approved':
      return rich`Approved${by}: ${p.title} — queued${approvedBy}`;
    case 'running':
      return rich`Running: ${p.title}${approvedBy}`;
    case 'succeeded':
      return rich`Done: ${p.title}${approvedBy}`;
    case 'failed':
      return rich`Failed: ${p.title}${approvedBy}`;
    case 'denied':
      return rich`Denied${by}: ${p.title}`;
    case 'dry-run':
      return rich`Dry run: ${p.title}${approvedBy} — nothing applied`;
    case 'retired':
      return rich`Retired: ${p.title} — ${p.retiredReason ?? 'incident resolved'}`;
    case 'blocked':
      return rich`Blocked by a guardrail: ${p.title} — not offered for approval`;
    default:
      return rich`${p.title}: ${p.status}`;
  }
}

function tone(p: Proposal, expired: boolean): Tone {
  if (p.status === 'blocked') return 'warn';
  if (expired || p.status === 'denied') return 'skipped';
  if (p.status === 'failed') return 'error';
  if (p.status === 'succeeded' || p.status === 'approved' || p.status === 'dry-run') return 'ok';
  if (p.status === 'running') return 'progress';
  return 'info';
}

const GUARDRAIL_LABEL = { cooldown: 'Cooldown', bounds: 'Bounds', 'max-changes': 'Changes per incident' };

/** Why it is blocked, and the one way past it there is: the approvers' override of a cooldown. */
function blockedParts(p: Proposal): Part[] {
  const blocks = p.blocked ?? [];
  const parts: Part[] = [
    list(
      blocks.map((b) => ({
        text: `${GUARDRAIL_LABEL[b.guardrail] ?? b.guardrail}: ${b.reason}`,
        tone: 'warn',
      })),
      'Guardrails it would break',
    ),
  ];
  const cooldownOnly = blocks.length > 0 && blocks.every((b) => b.guardrail === 'cooldown');
  if (cooldownOnly) {
    parts.push(
      note(
        `To override the cooldown: /perf diagnose ${p.playbookId} ${p.namespace} --override-cooldown proposes it again with ${p.policy.required + 1} approvals needed instead of ${p.policy.required} — the extra approval is the approvers' explicit override.`,
      ),
    );
  } else {
    parts.push(
      note(
        blocks.some((b) => b.guardrail === 'cooldown')
          ? "Only the cooldown can be overridden (--override-cooldown); bounds and the per-incident limit are hard: change the playbook's guardrails to allow this."
          : "Bounds and the per-incident limit are hard: change the playbook's guardrails to allow this.",
      ),
    );
  }
  return parts;
}

/**
 * Under a fix that ran: the Revert button (its value the fix's proposal ID), or why there is no
 * undo. A revert itself offers nothing: the way back from it is the fix, proposed again.
 */
export function undoParts(p: Proposal, revertedBy?: string): Part[] {
  if (p.revertOf || p.dryRun) return [];
  if (revertedBy) return [note(`Reverted by ${revertedBy}.`)];
  if (p.undo?.supported) {
    return [{ kind: 'actions', buttons: [{ actionId: 'remediation.revert', label: 'Revert', value: p.id }] }];
  }
  const why = p.undo ? p.undo.reason : 'this proposal was made without an undo record';
  return [note(`No undo: ${why}.`)];
}

/** A remediation the diagnosis named but that could not be proposed (guard rail, no back end). */
export function notProposedMessage(title: string, reason: string): ChatMessage {
  const line = `Not proposed: ${title} — ${reason}`;
  return {
    summary: line,
    parts: [text(line, 'warn')],
    terminal: { show: 'line', line: `${TONE_MARK.warn} ${line}` },
  };
}

export function noopMessage(title: string, preview: string): ChatMessage {
  const line = `Nothing to do for ${title}: ${preview} (already in the desired state)`;
  return {
    summary: line,
    parts: [text(line, 'ok')],
    terminal: { show: 'line', line: `${TONE_MARK.ok} ${line}` },
  };
}
