// The one registry of /perf subcommands, and the dispatcher both Slack and the CLI call:
// `/perf <text>` → tokens → command → neutral reply. Unknown input gets a helpful answer.
import { parseArgs } from 'node:util';
import { type CommandContext, type CommandReply, type PerfCommand, reply } from '../src/chat/command.js';
import { message, note, text } from '../src/chat/message.js';
import { editDistance } from '../src/playbooks/catalog.js';
import { DNS1123_LABEL } from '../src/playbooks/kinds.js';
import { allowedNamespace } from '../src/playbooks/namespaces.js';
import { guarded } from './access.js';
import { ackCommand } from './ack.js';
import { helpCommand } from './help.js';
import { looksLikeIncident } from './incident-arg.js';
import { listCommand } from './list.js';
import { rerunCommand } from './rerun.js';
import { resolveCommand } from './resolve.js';
import { silenceCommand } from './silence.js';
import { statusCommand } from './status.js';
import { timelineCommand } from './timeline.js';
import { undoCommand } from './undo.js';

// diagnose and audit belong to the diagnostics and remediation issues; these entries only parse
// the chat arguments and call what those provide through the context (see CommandContext).
const diagnoseEntry: PerfCommand = {
  name: 'diagnose',
  usage: 'diagnose <playbook|alias> [namespace]',
  summary:
    "run a playbook's checks in a new thread here and name the bottleneck (`diagnose <incident>`: that incident's again, in its thread)",
  async run(args, ctx) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      strict: false,
      options: {
        namespace: { type: 'string', short: 'n' },
        json: { type: 'boolean' },
        'override-cooldown': { type: 'boolean' },
      },
    });
    const [name, nsArg] = positionals;
    const prefix = ctx.invoker.kind === 'slack' ? '/perf' : 'perfbot';
    if (!name) return usage(`${prefix} ${this.usage}`);
    const playbook = ctx.catalog.find(name);
    if (!playbook) {
      const close = ctx.catalog.suggest(name);
      const hint =
        close.length > 0 ? ` Did you mean ${close.map((c) => `${prefix} diagnose ${c}`).join(' or ')}?` : '';
      return reply(
        message(
          `No playbook "${name}"`,
          text(`No playbook or alias "${name}".${hint}`, 'warn'),
          note(`Known: ${ctx.catalog.names().join(', ')}`),
        ),
        { exitCode: 2 },
      );
    }
    const namespace = typeof values.namespace === 'string' ? values.namespace : nsArg;
    if (namespace !== undefined && !DNS1123_LABEL.test(namespace)) {
      return reply(
        message(
          'Invalid namespace',
          text(`"${namespace.slice(0, 63)}" is not a Kubernetes namespace name (DNS-1123 label).`, 'warn'),
        ),
        { exitCode: 2 },
      );
    }
    // Namespace bounds: refused here, before a thread is opened or any back end is called.
    const bound = allowedNamespace(playbook, namespace);
    if (!bound.ok) {
      return reply(message('Namespace not allowed', text(`Refused: ${bound.reason}.`, 'warn')), {
        exitCode: 2,
      });
    }
    const where = namespace ?? playbook.target.namespace;
    if (ctx.invoker.kind === 'slack') {
      if (!ctx.diagnosis) return unavailable('Diagnosis from Slack');
      await ctx.diagnosis.start({
        playbook,
        namespace,
        requester: ctx.invoker.userId,
        channel: ctx.invoker.channelId,
        overrideCooldown: values['override-cooldown'] === true,
      });
      return reply(
        message(
          `Diagnosing ${playbook.title} in ${where}`,
          text(
            `Diagnosing ${playbook.title} in ${where}: follow the new thread in this channel.`,
            'progress',
          ),
        ),
      );
    }
    if (!ctx.runDiagnosisText) return unavailable('Diagnosis');
    const out = await ctx.runDiagnosisText({ playbook, namespace, json: values.json === true });
    return reply(message(`Diagnosis of ${playbook.title}`, { kind: 'code', text: out }), { text: out });
  },
};

const auditEntry: PerfCommand = {
  name: 'audit',
  usage: 'audit [incident]',
  summary: 'the recent audit trail, of one incident or of all',
  async run(args, ctx) {
    if (!ctx.audit) return unavailable('The audit trail');
    const incident = args.find((a) => !a.startsWith('-'));
    const lines = await ctx.audit.lines({ incident, limit: 30 });
    const what = incident ? `incident ${incident}` : 'all incidents';
    if (lines.length === 0)
      return reply(message(`No audit entries for ${what}`, note(`No audit entries for ${what}.`)));
    return reply(
      message(
        `Audit trail of ${what}: ${lines.length} entries`,
        text(`Audit trail of ${what} (latest ${lines.length})`),
        { kind: 'code', text: lines.join('\n') },
      ),
      { text: lines.join('\n') },
    );
  },
};

function usage(line: string): CommandReply {
  return reply(message(`usage: ${line}`, text(`Usage: ${line}`, 'info')), { exitCode: 2 });
}

function unavailable(what: string): CommandReply {
  return reply(message(`${what} is not available`, note(`${what} is not available in this process.`)), {
    exitCode: 1,
  });
}

// Each one passes the access rules (commands/access.ts) when typed in Slack.
export const COMMANDS: readonly PerfCommand[] = [
  diagnoseEntry,
  listCommand,
  statusCommand,
  auditEntry,
  ackCommand,
  silenceCommand,
  resolveCommand,
  timelineCommand,
  undoCommand,
  helpCommand(() => COMMANDS),
].map(guarded);

export function findCommand(name: string): PerfCommand | undefined {
  return COMMANDS.find((c) => c.name === name.toLowerCase());
}

/** Splits command text; "quoted words" stay together (Slack passes the text as typed). */
export function tokenize(input: string): string[] {
  const out: string[] = [];
  for (const m of input.matchAll(/"([^"]*)"|(\S+)/g)) out.push(m[1] ?? m[2] ?? '');
  return out;
}

// `diagnose <incident>` re-runs that incident's diagnosis, under the `rerun` access rule.
const rerunEntry = guarded(rerunCommand);

export async function dispatch(input: string, ctx: CommandContext): Promise<CommandReply> {
  const [name, ...args] = tokenize(input.trim());
  if (name === undefined) return (findCommand('help') as PerfCommand).run([], ctx);
  if (name.toLowerCase() === 'diagnose' && looksLikeIncident(args[0])) return rerunEntry.run(args, ctx);
  const command = findCommand(name);
  if (command) return command.run(args, ctx);
  return unknownCommand(name, args, ctx);
}

function unknownCommand(name: string, args: string[], ctx: CommandContext): CommandReply {
  const prefix = ctx.invoker.kind === 'slack' ? '/perf' : 'perfbot';
  const hints: string[] = [];
  // "/perf sentinel" most likely means "/perf diagnose sentinel".
  if (ctx.catalog.find(name)) hints.push(`${prefix} diagnose ${[name, ...args].join(' ')}`);
  const close = COMMANDS.map((c) => c.name).filter((c) => editDistance(name.toLowerCase(), c) <= 2);
  for (const c of close) hints.push(`${prefix} ${[c, ...args].join(' ')}`);
  if (hints.length === 0) for (const p of ctx.catalog.suggest(name, 2)) hints.push(`${prefix} diagnose ${p}`);
  const commands = COMMANDS.map((c) => c.name).join(', ');
  return reply(
    message(
      `Unknown command "${name}"`,
      text(
        `Unknown command "${name}".${hints.length > 0 ? ` Did you mean: ${hints.join(' or ')}?` : ''}`,
        'warn',
      ),
      note(`Commands: ${commands}. Try ${prefix} help.`),
    ),
    { exitCode: 2 },
  );
}
