// `/perf timeline [incident]` and `perfbot timeline <incident> [--format markdown|json]`: the
// incident's timeline from the audit trail, with the chain it came from verified. Slack gets a
// message; the CLI prints the Markdown post-mortem draft (or JSON). Exit 1 when the chain is
// broken (the timeline is still printed, with the warning at its top), 2 for a usage error.
import { parseArgs } from 'node:util';
import { AuditTrail } from '../src/audit/trail.js';
import {
  type CommandContext,
  type CommandReply,
  incidentDirectory,
  type PerfCommand,
  reply,
} from '../src/chat/command.js';
import { message, note, text } from '../src/chat/message.js';
import { renderPlain } from '../src/chat/plain.js';
import { timelineMessage } from '../src/chat/timeline-message.js';
import { loadConfig } from '../src/config.js';
import { InvalidInputError } from '../src/errors.js';
import { IncidentStore } from '../src/incidents/store.js';
import { silentLogger } from '../src/log.js';
import { PlaybookCatalog } from '../src/playbooks/catalog.js';
import { timelineMarkdown } from '../src/timeline/markdown.js';
import { auditTimelineSource } from '../src/timeline/read.js';
import { connectOnce, type Io } from './io.js';

const FORMATS = ['markdown', 'json'] as const;

export const timelineCommand: PerfCommand = {
  name: 'timeline',
  usage: 'timeline [incident] [--format markdown|json]',
  summary: "an incident's timeline from the verified audit trail: a post-mortem draft",
  async run(args, ctx): Promise<CommandReply> {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      strict: false,
      options: { format: { type: 'string', short: 'f' } },
    });
    const prefix = ctx.invoker.kind === 'slack' ? '/perf' : 'perfbot';
    const format = typeof values.format === 'string' ? values.format : 'markdown';
    if (!(FORMATS as readonly string[]).includes(format) || positionals.length > 1) {
      return usage(`${prefix} ${this.usage}`);
    }
    if (!ctx.timeline) {
      return reply(message('Timelines are not available', note('The audit trail is not available here.')), {
        exitCode: 1,
      });
    }
    let incident = positionals[0];
    if (incident === undefined) {
      // Without an ID: the open incident, when there is exactly one.
      const open = (await ctx.incidents?.listOpen(3)) ?? [];
      if (open.length !== 1) {
        const which =
          open.length === 0 ? 'No incident is open' : `Open: ${open.map((i) => i.id).join(', ')}…`;
        return usage(`${prefix} ${this.usage}`, `${which}; name the incident.`);
      }
      incident = (open[0] as { id: string }).id;
    }
    let timeline: Awaited<ReturnType<NonNullable<CommandContext['timeline']>['timeline']>>;
    try {
      timeline = await ctx.timeline.timeline(incident);
    } catch (err) {
      if (err instanceof InvalidInputError) return usage(`${prefix} ${this.usage}`, err.message);
      throw err;
    }
    const shown = incident.slice(0, 128);
    if (!timeline) {
      return reply(message(`No audit entries for ${shown}`, text(`No audit entries for ${shown}.`, 'warn')), {
        exitCode: 1,
      });
    }
    return reply(timelineMessage(timeline), {
      text: format === 'json' ? JSON.stringify(timeline, null, 2) : timelineMarkdown(timeline),
      exitCode: timeline.chain.ok ? 0 : 1,
    });
  },
};

function usage(line: string, why?: string): CommandReply {
  return reply(
    message(`usage: ${line}`, ...(why ? [text(why, 'warn')] : []), text(`Usage: ${line}`, 'info')),
    {
      exitCode: 2,
    },
  );
}

/** `perfbot timeline`: reads perfbot's Redis (REDIS_URL), prints the draft or JSON. */
export async function timelineCli(
  incident: string,
  options: { format?: string | undefined },
  io: Io,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  const config = loadConfig(env);
  // One-shot: one attempt, no retries; an unreachable Redis is one line naming the URL.
  const redis = await connectOnce(config.redisUrl, config.redisUrlExplicit);
  try {
    const ctx: CommandContext = {
      catalog: new PlaybookCatalog([]),
      invoker: { kind: 'cli', user: env.USER ?? 'cli' },
      now: () => new Date(),
      log: silentLogger,
      incidents: incidentDirectory(new IncidentStore({ redis, timeoutMs: 3000 })),
      timeline: auditTimelineSource(new AuditTrail({ redis, log: silentLogger })),
    };
    const args = [incident, ...(options.format !== undefined ? ['--format', options.format] : [])];
    const r = await timelineCommand.run(args, ctx);
    if (r.text !== undefined) {
      io.out(r.text);
      if (r.exitCode !== 0) io.err(`perfbot: ${r.message.summary}`);
    } else (r.exitCode === 0 ? io.out : io.err)(renderPlain(r.message));
    return r.exitCode;
  } finally {
    redis.disconnect();
  }
}
