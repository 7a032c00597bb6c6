// Every /perf command typed in Slack passes the access rules first (src/access/): refused
// invocations get an ephemeral answer saying who may, and the gate audits them. The CLI is not
// checked: whoever runs it holds the bot's own credentials.

import { isAccessCommand } from '../src/access/schema.js';
import { type CommandReply, type PerfCommand, reply } from '../src/chat/command.js';
import { message, text } from '../src/chat/message.js';

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
          return reply(message('Not allowed', text(line, 'warn')), { exitCode: 1 });
        }
      }
      return command.run(args, ctx);
    },
  };
}
