// The rule that applies to a command: the playbook's `access` section (for its incidents and
// its diagnosis), else the PERFBOT_ACCESS file, else the default — anyone for read-only commands,
// approvers for anything that changes state (silencing is approving-level unless a rule says
// otherwise). `approvers` means the approvers the playbook's remediations name, else
// PERFBOT_APPROVERS: whoever may approve a fix may also ack, silence and resolve.
import type { Playbook } from '../playbooks/schema.js';
import { type AccessCommand, type AccessFile, type CommandRule, READ_ONLY_COMMANDS } from './schema.js';

export interface ResolvedRule {
  command: AccessCommand;
  /** Slack user and user-group IDs, or 'anyone'. Empty: nobody may. */
  who: string[];
  /** Channels where the command may run; undefined: any. */
  channels: string[] | undefined;
  /** Where the rule came from, for refusals and the audit trail. */
  source: 'default' | 'PERFBOT_ACCESS' | `playbook ${string}`;
}

export interface RuleContext {
  /** The PERFBOT_ACCESS file, if one is configured. */
  file?: AccessFile | undefined;
  /** The playbook of the incident (or of the diagnosis) the command is about. */
  playbook?: Pick<Playbook, 'id' | 'access' | 'remediations'> | undefined;
  /** PERFBOT_APPROVERS. */
  defaultApprovers: readonly string[];
}

export function approversOf(ctx: RuleContext): string[] {
  const named = ctx.playbook?.remediations.flatMap((r) => r.approval.approvers) ?? [];
  return [...new Set(named.length > 0 ? named : ctx.defaultApprovers)];
}

export function resolveRule(command: AccessCommand, ctx: RuleContext): ResolvedRule {
  const fromPlaybook = ctx.playbook?.access[command];
  const fromFile = ctx.file?.commands[command];
  const [rule, source]: [CommandRule, ResolvedRule['source']] = fromPlaybook
    ? [fromPlaybook, `playbook ${ctx.playbook?.id}`]
    : fromFile
      ? [fromFile, 'PERFBOT_ACCESS']
      : [{ who: [READ_ONLY_COMMANDS.includes(command) ? 'anyone' : 'approvers'] }, 'default'];
  const who = new Set<string>();
  for (const p of rule.who) {
    if (p === 'approvers') for (const a of approversOf(ctx)) who.add(a);
    else who.add(p);
  }
  return { command, who: [...who], channels: rule.channels, source };
}
