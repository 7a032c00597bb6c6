// One sentence and a phase for each audit entry. Details come from the trail, which may hold
// anything a sender put in an alert: every value is read defensively (wrong types are ignored)
// and the renderers escape it.
import { formatDuration } from '../duration.js';
import type { Phase } from './types.js';

export interface EntryLike {
  event: string;
  actor: string;
  proposal?: string | undefined;
  details: Record<string, unknown>;
}

/** What earlier entries tell about later ones: which proposals are reverts, their previews. */
export interface DescribeContext {
  previews: Map<string, string>;
  reverts: Map<string, string>;
}

/** Defensive readers of a trail value: the wrong type reads as absent. */
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
export const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;
export const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
const who = (actor: string) => (actor === 'system' ? 'perfbot' : actor);
const noUndo = (undo: unknown) => {
  const text = str(undo);
  return text?.startsWith('no: ') ? `; no undo (${text.slice(4)})` : '';
};

/** `{ replicas: 2 }` → "replicas=2"; long values are cut. */
export function formatState(v: unknown): string {
  if (v === undefined || v === null) return '—';
  if (typeof v !== 'object') return String(v);
  return Object.entries(v as Record<string, unknown>)
    .filter(([k]) => k !== 'text')
    .map(([k, x]) => {
      const s = typeof x === 'string' ? x : JSON.stringify(x);
      return `${k}=${s.length > 80 ? `${s.slice(0, 79)}…` : s}`;
    })
    .join(', ');
}

export function keyValueLines(details: Record<string, unknown>): string[] {
  const list = Array.isArray(details.keyValues) ? details.keyValues : [];
  return list.flatMap((k) => {
    const kv = k as Record<string, unknown>;
    const summary = str(kv.summary);
    return summary ? [`${summary}${str(kv.status) ? ` — ${kv.status}` : ''}`] : [];
  });
}

const MAX_NAMES = 10;

/**
 * "Alert X firing (since …)", or for an entry listing several alerts (one entry per incident
 * event since issue 16; older trails hold one entry per alert, with `alert` and `startsAt`):
 * "3 alerts firing: X ×2, Y (since …)", at most MAX_NAMES names.
 */
function receivedAlerts(d: Record<string, unknown>, firing: boolean): string {
  const listed = Array.isArray(d.alerts)
    ? d.alerts.filter((a): a is Record<string, unknown> => typeof a === 'object' && a !== null)
    : [d];
  const state = firing ? 'firing' : 'resolved';
  const since = (list: Record<string, unknown>[]) => {
    const first = list
      .map((a) => str(a.startsAt))
      .filter((t): t is string => t !== undefined)
      .sort()[0];
    return firing && first ? ` (since ${first})` : '';
  };
  if (listed.length <= 1) return `Alert ${str(listed[0]?.alert) ?? '?'} ${state}${since(listed)}`;
  const counts = new Map<string, number>();
  for (const a of listed) {
    const name = str(a.alert) ?? '?';
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const names = [...counts].slice(0, MAX_NAMES).map(([n, c]) => (c > 1 ? `${n} ×${c}` : n));
  const more = counts.size > MAX_NAMES ? ` and ${counts.size - MAX_NAMES} more` : '';
  return `${listed.length} alerts ${state}: ${names.join(', ')}${more}${since(listed)}`;
}

export function isAck(event: string): boolean {
  return event.startsWith('incident.ack');
}

export function describeEntry(e: EntryLike, ctx: DescribeContext): { phase: Phase; text: string } {
  const d = e.details;
  const p = e.proposal;
  const revertOf = p ? ctx.reverts.get(p) : undefined;
  const preview = (p && ctx.previews.get(p)) ?? str(d.preview) ?? p ?? 'a change';
  const change = revertOf ? `revert of ${revertOf} (${preview})` : preview;
  const fix: Phase = revertOf ? 'recovery' : 'response';
  if (isAck(e.event)) return { phase: 'response', text: `Acknowledged by ${who(e.actor)}` };
  switch (e.event) {
    case 'incident.opened':
      return {
        phase: 'detection',
        text: `Incident opened: ${str(d.title) ?? 'untitled'}${str(d.playbook) ? ` (playbook ${d.playbook})` : ' (no playbook)'}`,
      };
    case 'alert.received': {
      const firing = d.status !== 'resolved';
      return {
        phase: firing ? 'detection' : 'recovery',
        text: `${receivedAlerts(d, firing)}, from ${who(e.actor)}`,
      };
    }
    case 'incident.repeated':
      return {
        phase: 'detection',
        text: `Notified again by ${who(e.actor)} (${num(d.repeats) ?? '?'} repeats)`,
      };
    case 'incident.resolved':
      return {
        phase: 'recovery',
        text: `Incident resolved: every alert resolved${num(d.durationMs) !== undefined ? ` after ${formatDuration(d.durationMs as number)} of firing` : ''}`,
      };
    case 'diagnosis.done': {
      const bottlenecks = strings(d.bottlenecks);
      const values = keyValueLines(d);
      return {
        phase: 'response',
        text: `Diagnosis${str(d.namespace) ? ` in ${d.namespace}` : ''} by ${who(e.actor)}: ${bottlenecks.length > 0 ? `bottleneck ${bottlenecks.join('; ')}` : 'no bottleneck named'}${str(d.status) ? ` (worst check ${d.status})` : ''}${values.length > 0 ? ` — ${values.join('; ')}` : ''}`,
      };
    }
    case 'proposal.created':
      return {
        phase: fix,
        text: `Proposed by ${who(e.actor)}: ${change} — needs ${num(d.required) ?? 1} approval(s)${noUndo(d.undo)}`,
      };
    case 'proposal.noop':
      return { phase: fix, text: `Nothing to do: ${str(d.preview) ?? preview} (already so)` };
    case 'proposal.blocked':
      return {
        phase: 'response',
        text: `Blocked by a guardrail: ${str(d.preview) ?? str(d.remediation) ?? preview} — ${strings(d.reasons).join('; ')}`,
      };
    case 'proposal.approved':
      return {
        phase: fix,
        text: `${d.complete === true ? 'Approved' : 'Approval recorded'} by ${who(e.actor)} (${str(d.approvals) ?? '?'}${str(d.via) ? ` via ${d.via}` : ''}): ${change}`,
      };
    case 'proposal.denied':
      return { phase: fix, text: `Denied by ${who(e.actor)}: ${change}` };
    case 'proposal.refused':
      return {
        phase: fix,
        text: `${who(e.actor)}'s ${str(d.decision) ?? 'click'} refused (${str(d.reason) ?? '?'}): ${change}`,
      };
    case 'proposal.expired':
      return { phase: fix, text: `Expired unapproved: ${change}` };
    case 'job.started':
      return {
        phase: fix,
        text: `Change started (attempt ${num(d.attempt) ?? 1}${d.resumed === true ? ', resumed after a crash' : ''}): ${change}`,
      };
    case 'job.succeeded':
      return {
        phase: fix,
        text: `${revertOf ? 'Reverted' : 'Applied'}: ${str(d.summary) ?? preview}${str(d.rollout) ? `; ${d.rollout}` : ''} — before ${formatState(d.before)}, after ${formatState(d.after)}`,
      };
    case 'job.failed':
      return { phase: fix, text: `Failed: ${change} — ${str(d.error) ?? 'unknown error'}` };
    case 'job.retried':
      return {
        phase: fix,
        text: `Attempt ${num(d.attempt) ?? '?'} failed, retrying: ${str(d.error) ?? '?'}`,
      };
    case 'job.refused':
      return { phase: fix, text: `Worker refused to run ${change}: it was ${str(d.status) ?? '?'}` };
    case 'job.dry-run':
      return {
        phase: fix,
        text: `Dry run (${str(d.reason) ?? '?'}): would apply ${str(d.preview) ?? preview}`,
      };
    case 'verification.scheduled':
      return {
        phase: 'recovery',
        text: `Verification scheduled for ${str(d.at) ?? '?'}: ${strings(d.checks).join(', ')}`,
      };
    case 'verification.passed':
      return { phase: 'recovery', text: `Verified after ${change}: ${str(d.summary) ?? 'passed'}` };
    case 'verification.failed':
      return { phase: 'recovery', text: `Not recovered after ${change}: ${str(d.summary) ?? 'failed'}` };
    case 'revert.refused':
      return {
        phase: 'recovery',
        text: `Revert of ${str(d.of) ?? p ?? '?'} refused (asked by ${who(e.actor)}): ${str(d.reason) ?? '?'}`,
      };
    case 'command.invoked':
      // The Revert button (src/chat/slack/revert-action.ts); typed commands carry no incident.
      if (d.button === 'remediation.revert')
        return {
          phase: 'recovery',
          text: `Revert pressed by ${who(e.actor)} on ${str(d.value) ?? p ?? '?'}`,
        };
      return { phase: 'response', text: `${str(d.command) ?? 'command'} used by ${who(e.actor)}` };
    case 'namespace.refused':
      return {
        phase: 'response',
        text: `Refused to act in namespace ${str(d.namespace) ?? '?'}: ${str(d.reason) ?? ''}`,
      };
    default:
      return { phase: 'response', text: `${e.event} by ${who(e.actor)}` };
  }
}
