// `/perf status` (and `perfbot status`): open incidents with age, playbook and thread link.
import { type CommandReply, type PerfCommand, reply } from '../src/chat/command.js';
import { formatAge, type Item, list, message, note } from '../src/chat/message.js';

const LIMIT = 50;

export const statusCommand: PerfCommand = {
  name: 'status',
  usage: 'status',
  summary: 'open incidents with age, playbook and thread',
  async run(_args, ctx): Promise<CommandReply> {
    if (!ctx.incidents) {
      return reply(
        message('Incidents unavailable', note('The incident store is not available in this process.')),
        {
          exitCode: 1,
        },
      );
    }
    const open = await ctx.incidents.listOpen(LIMIT + 1);
    if (open.length === 0)
      return reply(message('No open incidents', note('No open incidents.')), { data: [] });
    const now = ctx.now().getTime();
    const items: Item[] = open.slice(0, LIMIT).map((i) => {
      const where = i.thread
        ? (ctx.threadLink?.(i.thread.channel, i.thread.ts) ?? `thread ${i.thread.channel}/${i.thread.ts}`)
        : 'no thread yet';
      const repeats = i.repeats > 0 ? `, ${i.repeats} repeats` : '';
      // Alerts Alertmanager did not list (max_alerts) may fire: "0/2 firing" is not "all clear".
      const hidden = i.notShown ? `, ${i.notShown} more not shown by Alertmanager (max_alerts)` : '';
      return {
        text: `${i.title} — ${i.playbookId ?? 'no playbook'} — open ${formatAge(now - i.openedAtMs)}`,
        tone: i.firing > 0 || i.notShown ? 'critical' : 'warn',
        detail: `${i.id} · ${i.firing}/${i.alerts} alerts firing${hidden}${repeats} · ${where}`,
      };
    });
    const more = open.length > LIMIT ? [note(`showing the ${LIMIT} oldest; more are open`)] : [];
    return reply(
      message(
        `${open.length > LIMIT ? `${LIMIT}+` : open.length} open incidents`,
        list(items, 'Open incidents'),
        ...more,
      ),
      {
        data: open.slice(0, LIMIT).map((i) => ({
          id: i.id,
          title: i.title,
          playbook: i.playbookId ?? null,
          openedAt: new Date(i.openedAtMs).toISOString(),
          alerts: i.alerts,
          firing: i.firing,
          repeats: i.repeats,
          notShown: i.notShown ?? 0,
          thread: i.thread ?? null,
        })),
      },
    );
  },
};
