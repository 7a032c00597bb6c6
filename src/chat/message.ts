// The platform-neutral message model. Commands and incident events produce ChatMessages; the
// Slack renderer (src/chat/slack/blocks.ts) turns them into Block Kit and the plain renderer
// (src/chat/plain.ts) into terminal text. Nothing here knows about Slack's limits or markup:
// text is plain (renderers escape it), emphasis is structural (headings, labels, tones).
// Mentions are structural too: only a `mention()` that perfbot itself put in a message becomes a
// live @-mention; the same characters arriving in alert text stay text.

/** A person or user group perfbot chose to notify: a Slack user (U…/W…) or user-group (S…) ID. */
export interface Mention {
  mention: string;
}
export type Span = string | Mention;
/** Plain text, or plain text with perfbot's own mentions in it. */
export type Text = string | readonly Span[];

export function mention(id: string): Mention {
  return { mention: id };
}

/**
 * Builds a Text from a template: interpolated strings are plain text (escaped by every renderer),
 * interpolated mentions stay mentions. `rich\`approved by ${mention('U0BOB')}\``.
 */
export function rich(strings: TemplateStringsArray, ...values: (string | number | Mention | Text)[]): Span[] {
  const out: Span[] = [];
  strings.forEach((s, i) => {
    if (s) out.push(s);
    if (i < values.length) {
      const v = values[i] as string | number | Mention | Text;
      if (typeof v === 'number') out.push(String(v));
      else if (typeof v === 'string' || !Array.isArray(v)) out.push(v as string | Mention);
      else out.push(...(v as readonly Span[]));
    }
  });
  return out;
}

/** Mentions separated by `separator` ("@U0A, @U0B"). */
export function mentions(ids: readonly string[], separator = ', '): Span[] {
  return ids.flatMap((id, i) => (i === 0 ? [mention(id)] : [separator, mention(id)]));
}

/** The text as a person reads it outside Slack: mentions as @ID. */
export function plainText(t: Text): string {
  if (typeof t === 'string') return t;
  return t.map((s) => (typeof s === 'string' ? s : `@${s.mention}`)).join('');
}

/** How a line should look: a status mark in Slack, a symbol in the terminal. */
export type Tone = 'ok' | 'warn' | 'critical' | 'unknown' | 'skipped' | 'error' | 'info' | 'progress';

export interface Item {
  text: Text;
  tone?: Tone | undefined;
  /** Quieter lines under the item (evidence, advice); its line breaks are kept. */
  detail?: Text | undefined;
}

/**
 * The action IDs of the public contract (DESIGN.md). A remediation button's value is the proposal
 * ID; an incident button's value is the incident ID, nothing else.
 */
export type ActionId =
  | 'remediation.approve'
  | 'remediation.deny'
  | 'remediation.revert'
  | 'incident.ack'
  | 'incident.silence'
  | 'incident.rerun'
  | 'incident.resolve'
  | 'incident.unsilence';

export interface Button {
  actionId: ActionId;
  label: string;
  value: string;
  style?: 'primary' | 'danger' | undefined;
  /**
   * A choice instead of a button (Slack: a static_select whose placeholder is `label`): the
   * chosen option's value is what the click carries; `value` is then unused.
   */
  options?: { label: string; value: string }[] | undefined;
}

export type Part =
  | { kind: 'heading'; text: string; tone?: Tone | undefined }
  | { kind: 'text'; text: Text; tone?: Tone | undefined }
  | { kind: 'fields'; fields: { label: string; value: Text }[] }
  | { kind: 'list'; title?: string | undefined; items: Item[] }
  | { kind: 'link'; label: string; url: string }
  | { kind: 'code'; text: string }
  | { kind: 'note'; text: Text }
  | { kind: 'divider' }
  /** `blockId`: what the whole row is about (an incident's buttons name the incident there too). */
  | { kind: 'actions'; buttons: Button[]; blockId?: string | undefined };

/**
 * How a line-oriented surface (the terminal as incident channel) shows a message:
 * - `line`: one line per incident event; an edit prints the line again only when it changed.
 * - `progress`: a transient status, redrawn in place on a person's terminal, not shown elsewhere.
 * - `full` (the default): the whole message once, as `text` when given (else every part); an
 *   edit prints `line` when given.
 * - `none`: not shown (a Slack-only companion, such as a report's full check list).
 */
export type TerminalView =
  | { show: 'line'; line: string; label?: string | undefined }
  | { show: 'progress'; line: string; done: boolean }
  | { show: 'full'; text?: string | undefined; line?: string | undefined }
  | { show: 'none' };

export interface ChatMessage {
  /** One line: the notification text and the fallback for clients that show no blocks. */
  summary: Text;
  parts: Part[];
  terminal?: TerminalView | undefined;
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

export function message(summary: Text, ...parts: Part[]): ChatMessage {
  return { summary, parts };
}

export function heading(text: string, tone?: Tone): Part {
  return { kind: 'heading', text, tone };
}

export function text(body: Text, tone?: Tone): Part {
  return { kind: 'text', text: body, tone };
}

export function fields(entries: Record<string, Text | undefined>): Part {
  return {
    kind: 'fields',
    fields: Object.entries(entries)
      .filter((e): e is [string, Text] => e[1] !== undefined && e[1] !== '' && e[1].length > 0)
      .map(([label, value]) => ({ label, value })),
  };
}

export function list(items: (Item | string)[], title?: string): Part {
  return { kind: 'list', title, items: items.map((i) => (typeof i === 'string' ? { text: i } : i)) };
}

export function note(body: Text): Part {
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
