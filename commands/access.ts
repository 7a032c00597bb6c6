// Every /perf command typed in Slack passes the access rules first (src/access/): refused
// invocations get an ephemeral answer saying who may, and the gate audits them. The CLI is not
// checked: whoever runs it holds the bot's own credentials.

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
        if (!decision.allowed) {
          const line = decision.text ?? `You may not run /perf ${command.name}.`;
          const who = decision.allowed ? [] : [...decision.whoMay, ...decision.unresolvedGroups];
          return reply(message('Not allowed', text(withMentions(line, who), 'warn')), { exitCode: 1 });
        }
      }
      return command.run(args, ctx);
    },
  };
}

/**
 * The refusal names who may as `@ID`; those IDs — taken from the rule, never from what the
 * person typed — become real mentions, so Slack shows the people and groups.
 */
function withMentions(line: string, ids: readonly string[]): Text {
  if (ids.length === 0) return line;
  const known = new Set(ids);
  const out: Span[] = [];
  let last = 0;
  for (const m of line.matchAll(/@([UWS][A-Z0-9]{2,})\b/g)) {
    const id = m[1] as string;
    if (!known.has(id)) continue;
    if (m.index > last) out.push(line.slice(last, m.index));
    out.push(mention(id));
    last = m.index + m[0].length;
  }
  if (last < line.length) out.push(line.slice(last));
  return out;
}
