// `/perf diagnose <incident>` (and the Re-run diagnosis button): diagnose an open incident again,
// in its own thread, as the person who asked. Slack sends no thread with a slash command (it
// cannot be typed in a thread at all), so the incident is named by its ID; the access rule is
// `rerun`'s, not `diagnose`'s.
import { type CommandReply, type PerfCommand, reply } from '../src/chat/command.js';
import { message, text } from '../src/chat/message.js';
import { actorOf, incidentTarget, pickIncident, prefixOf, unavailable } from './incident-arg.js';

export const rerunCommand: PerfCommand = {
  name: 'rerun',
  usage: 'diagnose <incident>',
  summary: "diagnose an open incident again; the report follows in the incident's thread",
  accessTarget: (args, ctx) => incidentTarget(args[0], ctx),
  async run(args, ctx): Promise<CommandReply> {
    const rerun = ctx.diagnosis?.rerun;
    if (!rerun) return unavailable('Re-runs');
    const pick = await pickIncident(args[0], ctx, `${prefixOf(ctx)} ${this.usage}`);
    if (!pick.ok) return pick.reply;
    const { incident } = pick;
    const name = `${incident.id} (${incident.title})`;
    const r = await rerun(incident.id, actorOf(ctx));
    switch (r.outcome) {
      case 'started': {
        const line = `Diagnosing ${name} again (playbook ${r.playbookId} in ${r.namespace}): the report follows in its thread.`;
        return reply(message(line, text(line, 'progress')));
      }
      case 'resolved':
        return reply(
          message(`${name} is resolved`, text(`${name} has resolved: it is not diagnosed again.`, 'info')),
          { exitCode: 1 },
        );
      case 'no-playbook':
        return reply(
          message('No playbook', text(`No playbook matched ${name}: there is nothing to diagnose.`, 'warn')),
          { exitCode: 1 },
        );
      case 'not-found':
        return reply(message(`No incident ${incident.id}`, text(`No incident ${incident.id}.`, 'warn')), {
          exitCode: 1,
        });
    }
  },
};
