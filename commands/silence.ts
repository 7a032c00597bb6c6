// `/perf silence <incident> <duration> [comment]`: silence the incident's alerts in Alertmanager
// (every ALERTMANAGER_URL, else the one that sent them) for 1m–30d, created by you; `expire`
// instead of a duration ends its silences now. Inside its thread the incident may be left out.
import { type CommandReply, type PerfCommand, reply } from '../src/chat/command.js';
import { fields, message, text } from '../src/chat/message.js';
import { formatDuration, parseDuration } from '../src/duration.js';
import { describeMatchers } from '../src/incidents/silence-matchers.js';
import { MAX_SILENCE_MS, MIN_SILENCE_MS, SILENCE_DURATIONS } from '../src/incidents/silences.js';
import {
  actorOf,
  incidentTarget,
  looksLikeIncident,
  pickIncident,
  prefixOf,
  unavailable,
} from './incident-arg.js';

export const silenceCommand: PerfCommand = {
  name: 'silence',
  usage: 'silence <incident> <duration> [comment]',
  summary: `silence an incident's alerts in Alertmanager (${SILENCE_DURATIONS.join(', ')}, …; "expire" ends it)`,
  accessTarget: (args, ctx) => incidentTarget(looksLikeIncident(args[0]) ? args[0] : undefined, ctx),
  async run(args, ctx): Promise<CommandReply> {
    const usage = `${prefixOf(ctx)} ${this.usage}`;
    const [incidentArg, rest] = looksLikeIncident(args[0]) ? [args[0], args.slice(1)] : [undefined, args];
    const [when, ...words] = rest;
    const actions = ctx.incidentActions;
    if (!when) return reply(message(`usage: ${usage}`, text(`Usage: ${usage}`, 'info')), { exitCode: 2 });
    const expire = when.toLowerCase() === 'expire';
    const ms = expire ? 0 : parseDuration(when);
    if (!expire && (ms === undefined || ms < MIN_SILENCE_MS || ms > MAX_SILENCE_MS)) {
      const line = `"${when.slice(0, 20)}" is not a silence duration: use 1m to 30d, e.g. ${SILENCE_DURATIONS.join(', ')}.`;
      return reply(message('Invalid duration', text(line, 'warn'), text(`Usage: ${usage}`, 'info')), {
        exitCode: 2,
      });
    }
    if (!actions?.silence || !actions.expireSilences) return unavailable('Silences');
    const pick = await pickIncident(incidentArg, ctx, usage);
    if (!pick.ok) return pick.reply;
    const { incident } = pick;
    const name = `${incident.id} (${incident.title})`;
    if (expire) {
      const r = await actions.expireSilences(incident.id, actorOf(ctx));
      const line =
        r.expired.length > 0
          ? `Expired ${r.expired.length} silence(s) of ${name}.`
          : `${name} has no active silence.`;
      const failed = r.failed.length > 0 ? [text(`Not expired: ${r.failed.join('; ')}`, 'error')] : [];
      return reply(message(line, text(line, 'ok'), ...failed), { exitCode: r.failed.length > 0 ? 1 : 0 });
    }
    const out = await actions.silence(incident.id, {
      user: actorOf(ctx),
      durationMs: ms as number,
      comment: words.join(' ') || undefined,
    });
    switch (out.outcome) {
      case 'silenced': {
        const line = `Silenced ${name} for ${formatDuration(ms as number)}, until ${out.endsAt}.`;
        const parts = [
          text(line, 'ok'),
          fields({
            Matchers: describeMatchers(out.matchers),
            Alertmanagers: out.silences.map((s) => `${s.url} (silence ${s.id})`).join(', '),
          }),
        ];
        if (out.failed.length > 0)
          parts.push(
            text(`Not silenced in: ${out.failed.map((f) => `${f.url}: ${f.error}`).join('; ')}`, 'warn'),
          );
        return reply(message(line, ...parts));
      }
      case 'resolved':
        return reply(
          message(`${name} is resolved`, text(`${name} has resolved: nothing to silence.`, 'info')),
          {
            exitCode: 1,
          },
        );
      case 'no-alertmanager':
        return reply(message('Cannot silence', text(`Cannot silence ${name}: ${out.reason}.`, 'warn')), {
          exitCode: 1,
        });
      case 'failed':
        return reply(
          message(
            'Silence failed',
            text(
              `No Alertmanager took the silence: ${out.failed.map((f) => `${f.url}: ${f.error}`).join('; ')}`,
              'error',
            ),
          ),
          { exitCode: 1 },
        );
      case 'not-found':
        return reply(message(`No incident ${incident.id}`, text(`No incident ${incident.id}.`, 'warn')), {
          exitCode: 1,
        });
    }
  },
};
