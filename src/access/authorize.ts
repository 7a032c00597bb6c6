// The decision itself, pure: a rule, who asks (with the user groups they are known to be in),
// and where. The caller resolves group membership (gate.ts) and says so when it could not.
import { isGroupId } from '../remediation/policy.js';
import type { ResolvedRule } from './policy.js';

export interface Subject {
  user: string;
  /** User groups (S…) the user is a member of, among those the rule names. */
  userGroups: readonly string[];
  /** The channel the command was typed or clicked in; undefined outside Slack. */
  channel: string | undefined;
}

export type Authorization =
  | { allowed: true; via: 'anyone' | 'user' | `group ${string}` }
  | {
      allowed: false;
      reason: 'not-permitted' | 'channel';
      /** Who may run it (users and groups; empty: nobody); for the refusal. */
      whoMay: string[];
      /** Where it may run, when the channel was the problem. */
      channels?: string[] | undefined;
    };

export function authorize(rule: ResolvedRule, subject: Subject): Authorization {
  if (rule.channels && !(subject.channel !== undefined && rule.channels.includes(subject.channel))) {
    return { allowed: false, reason: 'channel', whoMay: rule.who, channels: rule.channels };
  }
  if (rule.who.includes('anyone')) return { allowed: true, via: 'anyone' };
  // A group entry (S…) matches only through membership, never a user ID that reads the same.
  if (rule.who.some((w) => !isGroupId(w) && w === subject.user)) return { allowed: true, via: 'user' };
  const group = rule.who.find((g) => subject.userGroups.includes(g));
  if (group) return { allowed: true, via: `group ${group}` };
  return { allowed: false, reason: 'not-permitted', whoMay: rule.who };
}

/** "You may not run /perf silence. Who may: @U1, members of @S1." (the chat layer escapes text). */
export function refusalText(command: string, a: Extract<Authorization, { allowed: false }>): string {
  const who =
    a.whoMay.length === 0
      ? 'nobody (set PERFBOT_APPROVERS, or grant it in PERFBOT_ACCESS or the playbook)'
      : a.whoMay.includes('anyone')
        ? 'anyone'
        : a.whoMay.map((p) => (p.startsWith('S') ? `members of @${p}` : `@${p}`)).join(', ');
  if (a.reason === 'channel') {
    const where = (a.channels ?? []).map((c) => `#${c}`).join(', ');
    return `/perf ${command} is not allowed in this channel; use it in ${where} (${who} may).`;
  }
  return `You may not run /perf ${command}. Who may: ${who}.`;
}
