// Who may approve a remediation, and how many must. Approvers are Slack user IDs and user-group
// IDs; a group is resolved to its members when someone clicks (the Slack layer implements the
// lookup with usergroups.users.list), cached briefly so a burst of clicks costs one call.
// Matching is exact by kind: a user entry (U…, W…) matches only the clicking user's ID; a group
// entry (S…) matches only through the group's members — never the clicker's ID itself, so an
// approver list naming S0SRE does not let a principal whose ID reads "S0SRE" approve.
import { DEFAULT_REQUIRED_APPROVALS } from '../playbooks/kinds.js';
import type { Remediation } from '../playbooks/schema.js';
import type { ApprovalPolicy } from './proposal.js';

export type ResolveGroupMembers = (groupId: string, signal?: AbortSignal) => Promise<string[]>;

export const isGroupId = (id: string): boolean => id.startsWith('S');

/** Slack user IDs: U… (workspace) or W… (Enterprise Grid). */
export const isUserId = (id: string): boolean => /^[UW][A-Z0-9]{2,}$/.test(id);

/** The playbook's approval block, with PERFBOT_APPROVERS when it lists nobody. */
export function resolvePolicy(remediation: Remediation, defaultApprovers: readonly string[]): ApprovalPolicy {
  const listed =
    remediation.approval.approvers.length > 0 ? remediation.approval.approvers : defaultApprovers;
  return {
    approvers: [...new Set(listed)],
    required: remediation.approval.required ?? DEFAULT_REQUIRED_APPROVALS[remediation.action],
    allowSelfApproval: remediation.approval.allowSelfApproval,
  };
}

/** Problems a person should see next to the buttons, because nobody could fix them by clicking. */
export function policyWarnings(policy: ApprovalPolicy, requester: string): string[] {
  if (policy.approvers.length === 0) {
    return ['nobody can approve this: the playbook lists no approvers and PERFBOT_APPROVERS is empty'];
  }
  // With groups the head count is unknown until someone clicks; with users only it is exact.
  if (policy.approvers.some(isGroupId)) return [];
  const usable = policy.approvers.filter((u) => policy.allowSelfApproval || u !== requester).length;
  return usable < policy.required
    ? [`needs ${policy.required} approvals but only ${usable} listed approver(s) can give one`]
    : [];
}

export interface Eligibility {
  eligible: boolean;
  /** The group through which the user may approve, if not listed directly. */
  via?: string;
  /** Groups whose members could not be fetched (the user may be in one). */
  unresolved: string[];
}

export async function checkApprover(
  userId: string,
  approvers: readonly string[],
  resolveGroupMembers: ResolveGroupMembers | undefined,
): Promise<Eligibility> {
  // Only a user may approve, and only a user entry can name one directly.
  if (!isUserId(userId)) return { eligible: false, unresolved: [] };
  if (approvers.some((a) => !isGroupId(a) && a === userId)) return { eligible: true, unresolved: [] };
  const unresolved: string[] = [];
  for (const group of approvers.filter(isGroupId)) {
    if (!resolveGroupMembers) {
      unresolved.push(group);
      continue;
    }
    try {
      if ((await resolveGroupMembers(group)).includes(userId))
        return { eligible: true, via: group, unresolved };
    } catch {
      unresolved.push(group);
    }
  }
  return { eligible: false, unresolved };
}

/**
 * Caches a group's members for `ttlMs` (default 60 s). A failed lookup is not cached, and
 * concurrent lookups of one group share one call.
 */
export function cachedGroupResolver(
  resolve: ResolveGroupMembers,
  options: { ttlMs?: number; now?: () => number } = {},
): ResolveGroupMembers {
  const ttlMs = options.ttlMs ?? 60_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { at: number; members: Promise<string[]> }>();
  return (groupId, signal) => {
    const hit = cache.get(groupId);
    if (hit && now() - hit.at < ttlMs) return hit.members;
    const members = resolve(groupId, signal);
    cache.set(groupId, { at: now(), members });
    members.catch(() => {
      if (cache.get(groupId)?.members === members) cache.delete(groupId);
    });
    return members;
  };
}
