// The incident a command is about: the ID given, or — when it is left out — the incident of the
// thread the command came from, else the only open incident with a thread in this channel (the
// CLI: the only open incident). Anything else is a question back, listing the candidates.
import type { CommandContext, CommandReply, IncidentListing } from '../src/chat/command.js';
import { reply } from '../src/chat/command.js';
import { list, message, note, text } from '../src/chat/message.js';
import type { Incident } from '../src/incidents/types.js';
import { INCIDENT_ID } from '../src/incidents/types.js';

export type IncidentPick = { ok: true; incident: Incident } | { ok: false; reply: CommandReply };

export const looksLikeIncident = (arg: string | undefined): arg is string =>
  arg !== undefined && INCIDENT_ID.test(arg);

export function prefixOf(ctx: CommandContext): string {
  return ctx.invoker.kind === 'slack' ? '/perf' : 'perfbot';
}

/** Slack user ID, or the CLI user. */
export function actorOf(ctx: CommandContext): string {
  return ctx.invoker.kind === 'slack' ? ctx.invoker.userId : `cli:${ctx.invoker.user}`;
}

export async function pickIncident(
  arg: string | undefined,
  ctx: CommandContext,
  usage: string,
): Promise<IncidentPick> {
  const actions = ctx.incidentActions;
  if (!actions) return { ok: false, reply: unavailable('Incident actions') };
  let id = arg;
  if (id !== undefined && !INCIDENT_ID.test(id)) {
    return {
      ok: false,
      reply: reply(
        message(
          `Not an incident ID`,
          text(`"${id.slice(0, 64)}" is not an incident ID (inc-…).`, 'warn'),
          note(`Usage: ${usage}`),
        ),
        { exitCode: 2 },
      ),
    };
  }
  if (id === undefined) {
    const open = ctx.incidents ? await ctx.incidents.listOpen(100) : [];
    const inv = ctx.invoker;
    const here =
      inv.kind === 'slack'
        ? open.filter(
            (i) => i.thread?.channel === inv.channelId && (!inv.threadTs || i.thread.ts === inv.threadTs),
          )
        : open;
    if (here.length !== 1) return { ok: false, reply: whichIncident(here, usage) };
    id = (here[0] as IncidentListing).id;
  }
  const incident = await actions.get(id);
  if (!incident) {
    return {
      ok: false,
      reply: reply(message(`No incident ${id}`, text(`No incident ${id} (it may have expired).`, 'warn')), {
        exitCode: 1,
      }),
    };
  }
  return { ok: true, incident };
}

function whichIncident(candidates: IncidentListing[], usage: string): CommandReply {
  if (candidates.length === 0) {
    return reply(
      message(
        'Which incident?',
        text('Which incident? No open incident here: give its ID.', 'info'),
        note(`Usage: ${usage}`),
      ),
      { exitCode: 2 },
    );
  }
  return reply(
    message(
      'Which incident?',
      text(`Which incident? ${candidates.length} are open here: give one of these IDs.`, 'info'),
      list(candidates.slice(0, 10).map((i) => ({ text: `${i.id} — ${i.title}` }))),
      note(`Usage: ${usage}`),
    ),
    { exitCode: 2 },
  );
}

export function unavailable(what: string): CommandReply {
  return reply(message(`${what} not available`, note(`${what} are not available in this process.`)), {
    exitCode: 1,
  });
}

/** For accessTarget: the incident and its playbook, when the argument names one that exists. */
export async function incidentTarget(
  arg: string | undefined,
  ctx: CommandContext,
): Promise<{ incidentId?: string; playbookId?: string | null }> {
  const pick = await pickIncident(arg, ctx, '');
  return pick.ok ? { incidentId: pick.incident.id, playbookId: pick.incident.playbookId } : {};
}
