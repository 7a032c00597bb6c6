// An incident's timeline as chat: a message for `/perf timeline` (phases, durations, follow-ups,
// the audit chain's verdict) and the Markdown post-mortem draft as a file, which the thread
// gets when the incident resolves. Neutral: Slack and the terminal render both.
import { formatDuration } from '../duration.js';
import { timelineMarkdown } from '../timeline/markdown.js';
import { MILESTONE_LABEL, MILESTONES, PHASES, type Timeline } from '../timeline/types.js';
import { type ChatMessage, fields, heading, type Item, list, note, type Part, text } from './message.js';
import type { ChartFile } from './sink.js';

/** Items per phase in a message; the file has them all. */
const PER_PHASE = 15;
const PHASE_TITLE = { detection: '1. Detection', response: '2. Response', recovery: '3. Recovery' } as const;

const clock = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');

export function timelineMessage(t: Timeline): ChatMessage {
  const name = t.title ?? t.incident;
  const parts: Part[] = [
    heading(`Timeline of ${name}`),
    text(t.chain.summary, t.chain.ok ? 'ok' : 'warn'),
    fields({
      Incident: t.incident,
      Playbook: t.playbook,
      'Opened by perfbot': t.startedAt && clock(t.startedAt),
      Acknowledged: t.acknowledgedBy ? `by ${t.acknowledgedBy}` : 'not recorded',
      Bottleneck: t.diagnoses.at(-1)?.bottlenecks.join('; ') || undefined,
      ...Object.fromEntries(
        MILESTONES.filter((m) => t.durations[m] !== undefined).map((m) => [
          MILESTONE_LABEL[m],
          formatDuration(t.durations[m] as number),
        ]),
      ),
      // The alerts' own span; the durations above count from when perfbot opened the incident.
      'Alerts fired for': t.firingMs === undefined ? undefined : formatDuration(t.firingMs),
    }),
  ];
  for (const phase of PHASES) {
    const entries = t.entries.filter((e) => e.phase === phase);
    if (entries.length === 0) continue;
    const items: Item[] = entries.slice(0, PER_PHASE).map((e) => ({ text: e.text, detail: clock(e.time) }));
    parts.push(list(items, PHASE_TITLE[phase]));
    if (entries.length > PER_PHASE)
      parts.push(note(`${entries.length - PER_PHASE} more in the Markdown file`));
  }
  parts.push(list(t.followUps.slice(0, 8), '4. Follow-ups'));
  parts.push(note(`Post-mortem draft: perfbot timeline ${t.incident} --format markdown`));
  const verdict = t.chain.ok ? 'audit chain verified' : 'AUDIT CHAIN BROKEN';
  return { summary: `Timeline of ${name}: ${t.entries.length} entries, ${verdict}`, parts };
}

/** The post-mortem draft as a file for the incident's thread (ChatSink.upload). */
export function timelineFile(t: Timeline): ChartFile {
  return {
    filename: `post-incident-${t.incident}.md`,
    title: `Post-incident review (draft): ${t.title ?? t.incident}`,
    altText: `Timeline of ${t.incident} from the audit trail (${t.chain.ok ? 'chain verified' : 'chain broken'})`,
    data: Buffer.from(timelineMarkdown(t), 'utf8'),
  };
}
