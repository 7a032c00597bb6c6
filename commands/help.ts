// `/perf help`: every subcommand with its usage, from the one registry.
import { type CommandReply, type PerfCommand, reply } from '../src/chat/command.js';
import { list, message, note } from '../src/chat/message.js';

export function helpCommand(commands: () => readonly PerfCommand[]): PerfCommand {
  return {
    name: 'help',
    usage: 'help',
    summary: 'this list',
    async run(_args, ctx): Promise<CommandReply> {
      const prefix = ctx.invoker.kind === 'slack' ? '/perf' : 'perfbot';
      const items = commands().map((c) => ({ text: `${prefix} ${c.usage}`, detail: c.summary }));
      const names = ctx.catalog.names();
      return reply(
        message(
          `${prefix} commands: ${commands()
            .map((c) => c.name)
            .join(', ')}`,
          list(items, 'perfbot commands'),
          note(`Playbooks and aliases: ${names.length > 0 ? names.join(', ') : 'none loaded'}`),
        ),
      );
    },
  };
}
