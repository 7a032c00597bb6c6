// The platform-neutral message model. Commands and incident events produce ChatMessages; the
// Slack renderer (src/chat/slack/blocks.ts) turns them into Block Kit and the plain renderer
// (src/chat/plain.ts) into terminal text. Nothing here knows about Slack's limits or markup:
// text is plain (renderers escape it), emphasis is structural (headings, labels, tones).

/** How a line should look: a status mark in Slack, a symbol in the terminal. */
export type Tone = 'ok' | 'warn' | 'critical' | 'unknown' | 'skipped' | 'error' | 'info' | 'progress';

export interface Item {
  text: string;
  tone?: Tone | undefined;
  /** A second, quieter line (evidence, a value against its threshold). */
  detail?: string | undefined;
}

/** Only the two remediation buttons exist; their value is the proposal ID, nothing else. */
export type ActionId = 'remediation.approve' | 'remediation.deny';

export interface Button {
  actionId: ActionId;
  label: string;
  value: string;
  style?: 'primary' | 'danger' | undefined;
}

export type Part =
  | { kind: 'heading'; text: string; tone?: Tone | undefined }
  | { kind: 'text'; text: string; tone?: Tone | undefined }
  | { kind: 'fields'; fields: { label: string; value: string }[] }
  | { kind: 'list'; title?: string | undefined; items: Item[] }
  | { kind: 'link'; label: string; url: string }
  | { kind: 'code'; text: string }
  | { kind: 'note'; text: string }
  | { kind: 'divider' }
  | { kind: 'actions'; buttons: Button[] };

export interface ChatMessage {
  /** One line: the notification text and the fallback for clients that show no blocks. */
  summary: string;
  parts: Part[];
}

export const TONE_MARK: Record<Tone, string> = {
  ok: '✅',
  warn: '⚠️',
  critical: '🔴',
  unknown: '❔',
  skipped: '⏭️',
  error: '❌',
  info: 'ℹ️',
  progress: '⏳',
};

export function message(summary: string, ...parts: Part[]): ChatMessage {
  return { summary, parts };
}

export function heading(text: string, tone?: Tone): Part {
  return { kind: 'heading', text, tone };
}

export function text(body: string, tone?: Tone): Part {
  return { kind: 'text', text: body, tone };
}

export function fields(entries: Record<string, string | undefined>): Part {
  return {
    kind: 'fields',
    fields: Object.entries(entries)
      .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')
      .map(([label, value]) => ({ label, value })),
  };
}

export function list(items: (Item | string)[], title?: string): Part {
  return { kind: 'list', title, items: items.map((i) => (typeof i === 'string' ? { text: i } : i)) };
}

export function note(body: string): Part {
  return { kind: 'note', text: body };
}

export function link(label: string, url: string): Part {
  return { kind: 'link', label, url };
}

/** Human duration for messages: 45s, 12m, 3h 5m, 2d 4h. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 === 0 ? `${h}h` : `${h}h ${m % 60}m`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d}d` : `${d}d ${h % 24}h`;
}
