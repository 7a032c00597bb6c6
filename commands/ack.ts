// `/perf ack [incident]`: take the incident — you own it from now on (shown on its root message,
// recorded in the audit trail through the incident outbox). Someone else's acknowledgement is
// taken over, and says whose it was.
import { type CommandReply, type PerfCommand, reply } from '../src/chat/command.js';
import { mention, message, rich, text } from '../src/chat/message.js';
import { actorOf, incidentTarget, pickIncident, prefixOf } from './incident-arg.js';

export const ackCommand: PerfCommand = {
  name: 'ack',
  usage: 'ack [incident]',
  summary: 'acknowledge an incident: you own it (inside its thread the ID may be left out)',
  accessTarget: (args, ctx) => incidentTarget(args[0], ctx),
  async run(args, ctx): Promise<CommandReply> {
    const pick = await pickIncident(args[0], ctx, `${prefixOf(ctx)} ${this.usage}`);
    if (!pick.ok) return pick.reply;
    const { incident } = pick;
    const who = actorOf(ctx);
    const r = await (ctx.incidentActions as NonNullable<typeof ctx.incidentActions>).acknowledge(
      incident.id,
      who,
    );
    const name = `${incident.id} (${incident.title})`;
    switch (r.outcome) {
      case 'acknowledged': {
        const line = `You own ${name} now${r.previous ? ` (taken over from @${r.previous})` : ''}.`;
        // The previous owner is a Slack user perfbot recorded: a real mention in Slack.
        const body = r.previous ? rich`You own ${name} now (taken over from ${mention(r.previous)}).` : line;
        return reply(message(line, text(body, 'ok')));
      }
      case 'already':
        return reply(
          message(`You own ${name} already`, text(`You own ${name} already; nothing changed.`, 'info')),
        );
      case 'resolved':
        return reply(
          message(`${name} is resolved`, text(`${name} has resolved: nothing to acknowledge.`, 'info')),
          {
            exitCode: 1,
          },
        );
      case 'not-found':
        return reply(message(`No incident ${incident.id}`, text(`No incident ${incident.id}.`, 'warn')), {
          exitCode: 1,
        });
    }
  },
};
