// The access check every state-changing entry point goes through (the /perf dispatcher; the
// response layer's buttons): resolve the rule, find out which of the rule's user groups the
// person is in (Slack usergroups.users.list, cached), decide (authorize.ts), and audit every
// refusal with who may instead.

import { recordAudit } from '../audit/record.js';
import type { AuditSink } from '../audit/types.js';
import type { Logger } from '../log.js';
import type { Playbook } from '../playbooks/schema.js';
import { cachedGroupResolver, isGroupId, type ResolveGroupMembers } from '../remediation/policy.js';
import { type Authorization, authorize, refusalText } from './authorize.js';
import { type ResolvedRule, resolveRule } from './policy.js';
import type { AccessCommand, AccessFile } from './schema.js';

export interface AccessGateOptions {
  /** The PERFBOT_ACCESS file (loadAccessFile), if configured. */
  file?: AccessFile | undefined;
  /** PERFBOT_APPROVERS. */
  defaultApprovers: readonly string[];
  resolveGroupMembers?: ResolveGroupMembers | undefined;
  audit?: AuditSink | undefined;
  log: Logger;
}

export interface AccessRequest {
  command: AccessCommand;
  user: string;
  /** Where it was typed or clicked; undefined outside Slack. */
  channel: string | undefined;
  /** The playbook the command concerns (its incident's, or the one diagnosed). */
  playbook?: Pick<Playbook, 'id' | 'access' | 'remediations'> | undefined;
  incidentId?: string | undefined;
}

export type AccessDecision = Authorization & {
  rule: ResolvedRule;
  /** For a refusal: the ephemeral text for the person. */
  text?: string;
  /** Groups whose members could not be fetched (the person may be in one). */
  unresolvedGroups: string[];
};

export class AccessGate {
  private resolver: ResolveGroupMembers | undefined;

  constructor(private readonly o: AccessGateOptions) {
    if (o.resolveGroupMembers) this.useGroupResolver(o.resolveGroupMembers);
  }

  /** Slack's usergroups.users.list, plugged in once the Slack client exists; cached 60 s. */
  useGroupResolver(resolve: ResolveGroupMembers, ttlMs?: number): void {
    this.resolver = cachedGroupResolver(resolve, { ttlMs });
  }

  async check(req: AccessRequest): Promise<AccessDecision> {
    const rule = resolveRule(req.command, {
      file: this.o.file,
      playbook: req.playbook,
      defaultApprovers: this.o.defaultApprovers,
    });
    const userGroups: string[] = [];
    const unresolved: string[] = [];
    const direct = rule.who.includes('anyone') || rule.who.includes(req.user);
    if (!direct) {
      for (const group of rule.who.filter(isGroupId)) {
        if (!this.resolver) {
          unresolved.push(group);
          continue;
        }
        try {
          if ((await this.resolver(group)).includes(req.user)) {
            userGroups.push(group);
            break;
          }
        } catch (err) {
          this.o.log.warn({ err, group }, 'user group members not fetched');
          unresolved.push(group);
        }
      }
    }
    const decision = authorize(rule, { user: req.user, userGroups, channel: req.channel });
    if (decision.allowed) return { ...decision, rule, unresolvedGroups: unresolved };
    const unsure = unresolved.length
      ? ` (membership of ${unresolved.map((g) => `@${g}`).join(', ')} could not be checked: try again)`
      : '';
    const text = `${refusalText(req.command, decision)}${unsure}`;
    if (this.o.audit)
      await recordAudit(
        this.o.audit,
        {
          actor: req.user,
          event: 'command.refused',
          incident: req.incidentId,
          details: {
            command: req.command,
            channel: req.channel,
            reason: decision.reason,
            whoMay: decision.whoMay,
            ...(decision.channels ? { channels: decision.channels } : {}),
            rule: rule.source,
            ...(unresolved.length ? { unresolvedGroups: unresolved } : {}),
          },
        },
        this.o.log,
      );
    return { ...decision, rule, text, unresolvedGroups: unresolved };
  }
}

/** The gate for a process: PERFBOT_ACCESS loaded (a bad file throws ConfigError), PERFBOT_APPROVERS. */
export async function createAccessGate(
  config: { accessFile: string | undefined; approvers: readonly string[] },
  deps: Pick<AccessGateOptions, 'audit' | 'log' | 'resolveGroupMembers'>,
): Promise<AccessGate> {
  // The YAML parser loads only for a deployment that has an access file.
  const file = config.accessFile
    ? await (await import('./load.js')).loadAccessFile(config.accessFile)
    : undefined;
  return new AccessGate({ ...deps, file, defaultApprovers: config.approvers });
}
