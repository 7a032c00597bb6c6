// `/perf list` (and `perfbot list`): every playbook, its aliases, and what triggers it.
import { type CommandReply, type PerfCommand, reply } from '../src/chat/command.js';
import { type Item, list, message, note } from '../src/chat/message.js';
import type { LoadedPlaybook, Trigger } from '../src/playbooks/schema.js';

export const listCommand: PerfCommand = {
  name: 'list',
  usage: 'list',
  summary: 'playbooks, their aliases and the alerts that trigger them',
  async run(_args, ctx): Promise<CommandReply> {
    const playbooks = ctx.catalog.playbooks;
    if (playbooks.length === 0) {
      return reply(message('No playbooks loaded', note('No playbooks are loaded: check PLAYBOOKS_DIR.')));
    }
    const parts = playbooks.map((pb) => list([describe(pb), ...triggerItems(pb)], `${pb.id} — ${pb.title}`));
    return reply(
      message(
        `${playbooks.length} playbooks: ${playbooks.map((p) => p.id).join(', ')}`,
        ...parts,
        note(
          ctx.invoker.kind === 'slack'
            ? 'Run one with /perf diagnose <playbook|alias> [namespace]'
            : 'Run one with: perfbot diagnose <playbook|alias> [--namespace NS]',
        ),
      ),
      {
        data: playbooks.map((pb) => ({
          id: pb.id,
          title: pb.title,
          aliases: pb.aliases,
          namespace: pb.target.namespace,
          checks: pb.checks.length,
          remediations: pb.remediations.length,
          triggers: pb.triggers,
        })),
      },
    );
  },
};

function describe(pb: LoadedPlaybook): Item {
  const aliases = pb.aliases.length > 0 ? `aliases: ${pb.aliases.join(', ')}` : 'no aliases';
  return {
    text: `${aliases} · namespace ${pb.target.namespace} · ${pb.checks.length} checks · ${pb.remediations.length} remediations`,
    tone: 'info',
  };
}

function triggerItems(pb: LoadedPlaybook): Item[] {
  if (pb.triggers.length === 0) return [{ text: 'no alert triggers: run by hand only' }];
  return pb.triggers.map((t) => ({ text: `alert ${describeTrigger(t)}` }));
}

export function describeTrigger(t: Trigger): string {
  const parts: string[] = [];
  if (t.alertname) parts.push(t.alertname);
  for (const [k, v] of Object.entries(t.labels ?? {})) parts.push(`${k}="${v}"`);
  for (const [k, v] of Object.entries(t.match_re ?? {})) parts.push(`${k}=~"${v}"`);
  if (t.source) parts.push(`from ${t.source}`);
  return parts.join(' ');
}
