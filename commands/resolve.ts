// `/perf resolve [incident]`: close an incident by hand — for sources that never send a
// resolution (an Azure Monitor or CloudWatch rule without an OK). Its pending proposals are
// retired like any resolution's, and the audit trail says who resolved it.
import { type CommandReply, type PerfCommand, reply } from '../src/chat/command.js';
import { message, text } from '../src/chat/message.js';
import { actorOf, incidentTarget, pickIncident, prefixOf } from './incident-arg.js';

export const resolveCommand: PerfCommand = {
  name: 'resolve',
  usage: 'resolve [incident]',
  summary: 'resolve an incident by hand (for alerts whose source never sends a resolution)',
  accessTarget: (args, ctx) => incidentTarget(args[0], ctx),
  async run(args, ctx): Promise<CommandReply> {
    const pick = await pickIncident(args[0], ctx, `${prefixOf(ctx)} ${this.usage}`);
    if (!pick.ok) return pick.reply;
    const { incident } = pick;
    const r = await (ctx.incidentActions as NonNullable<typeof ctx.incidentActions>).resolve(
      incident.id,
      actorOf(ctx),
    );
    const name = `${incident.id} (${incident.title})`;
    if (r.outcome === 'resolved') {
      const line = `Resolved ${name}; its pending proposals are retired.`;
      return reply(message(line, text(line, 'ok')));
    }
    if (r.outcome === 'already') {
      const by = r.by ? ` by @${r.by}` : ' by its alerts';
      return reply(message(`${name} is resolved`, text(`${name} was already resolved${by}.`, 'info')));
    }
    return reply(message(`No incident ${incident.id}`, text(`No incident ${incident.id}.`, 'warn')), {
      exitCode: 1,
    });
  },
};
