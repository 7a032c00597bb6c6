// Every /perf command typed in Slack passes the access rules first (src/access/): refused
// invocations get an ephemeral answer saying who may, and the gate audits them. The CLI is not
// checked: whoever runs it holds the bot's own credentials.

import type { AccessDecision } from '../src/access/gate.js';
import { isAccessCommand } from '../src/access/schema.js';
import { type CommandReply, type PerfCommand, reply } from '../src/chat/command.js';
import { mention, message, type Span, type Text, text } from '../src/chat/message.js';

export function guarded(command: PerfCommand): PerfCommand {
  return {
    ...command,
    async run(args, ctx): Promise<CommandReply> {
      const inv = ctx.invoker;
      if (ctx.access && inv.kind === 'slack' && isAccessCommand(command.name)) {
        const target = (await command.accessTarget?.(args, ctx)) ?? {};
        const playbook = target.playbookId ? ctx.catalog.find(target.playbookId) : undefined;
        const decision = await ctx.access.check({
          command: command.name,
          user: inv.userId,
          channel: inv.channelId,
          playbook,
          incidentId: target.incidentId,
        });
        if (!decision.allowed)
          return reply(message('Not allowed', text(refusal(command.name, decision), 'warn')), {
            exitCode: 1,
          });
      }
      return command.run(args, ctx);
    },
  };
}

/**
 * The refusal as the person reads it: who may, as live mentions (perfbot's own, so they ping
 * nobody unexpected), channels as text. The gate's plain `text` is what the audit trail keeps.
 */
export function refusal(command: string, d: Extract<AccessDecision, { allowed: false }>): Text {
  const who: Span[] =
    d.whoMay.length === 0
      ? ['nobody (set PERFBOT_APPROVERS, or grant it in PERFBOT_ACCESS or the playbook)']
      : d.whoMay.includes('anyone')
        ? ['anyone']
        : d.whoMay.flatMap((p, i) => [
            ...(i > 0 ? [', '] : []),
            ...(p.startsWith('S') ? ['members of ', mention(p)] : [mention(p)]),
          ]);
  const unsure = d.unresolvedGroups.length
    ? [
        ' (membership of ',
        ...d.unresolvedGroups.flatMap((g, i) => [...(i > 0 ? [', '] : []), mention(g)]),
        ' could not be checked: try again)',
      ]
    : [];
  if (d.reason === 'channel') {
    const where = (d.channels ?? []).map((c) => `#${c}`).join(', ');
    return [
      `/perf ${command} is not allowed in this channel; use it in ${where} (`,
      ...who,
      ' may).',
      ...unsure,
    ];
  }
  return [`You may not run /perf ${command}. Who may: `, ...who, '.', ...unsure];
}
