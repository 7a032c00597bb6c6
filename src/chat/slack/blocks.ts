// ChatMessage → Block Kit. The only place that knows Slack's markup and limits: 50 blocks per
// message, 3,000 characters per text object, 10 fields per section, 150 characters in a header,
// 75 in a button label (and a select's placeholder and options), 255 in a block_id. Anything
// longer is cut with "… and N more" so a message is never refused by Slack (an alert storm must
// still produce a valid message).
import type { types } from '@slack/bolt';
import type { Button, ChatMessage, Item, Part, Text, Tone } from '../message.js';

export const LIMITS = {
  blocks: 50,
  text: 3000,
  fieldText: 2000,
  fields: 10,
  header: 150,
  buttonLabel: 75,
  blockId: 255,
  options: 100,
  optionValue: 150,
  contextElements: 10,
  fallbackText: 3000,
} as const;

type Block = types.KnownBlock;

export interface SlackMessage {
  text: string;
  blocks: Block[];
}

export const TONE_EMOJI: Record<Tone, string> = {
  ok: ':large_green_circle:',
  warn: ':large_yellow_circle:',
  critical: ':red_circle:',
  unknown: ':grey_question:',
  skipped: ':fast_forward:',
  error: ':x:',
  info: ':information_source:',
  progress: ':hourglass_flowing_sand:',
};

/** Slack's three control characters; everything else in mrkdwn is harmless as data. */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A Slack user (U…, W…) or user-group (S…) ID; anything else is never turned into markup. */
const SLACK_ID = /^[UWS][A-Z0-9]{2,}$/;

/**
 * Text → mrkdwn. Every string is escaped, whatever it contains (`<!channel>` in an alert name
 * stays text); only mentions perfbot put in the message itself become live.
 */
export function md(t: Text): string {
  if (typeof t === 'string') return escapeMrkdwn(t);
  return t
    .map((s) => {
      if (typeof s === 'string') return escapeMrkdwn(s);
      if (!SLACK_ID.test(s.mention)) return escapeMrkdwn(`@${s.mention}`);
      return s.mention.startsWith('S') ? `<!subteam^${s.mention}>` : `<@${s.mention}>`;
    })
    .join('');
}

/**
 * Header and button text is plain_text, which Slack never parses; angle brackets are still
 * swapped for look-alikes there so that no request body carries "<!channel>" in any form.
 */
function plain(s: string): string {
  return s.replace(/</g, '‹').replace(/>/g, '›');
}

/**
 * A mrkdwn text object with `verbatim`: Slack then does none of its automatic parsing (a bare
 * "@here" or "#channel" in alert text stays text), while perfbot's own <@U…> still work.
 */
function mrkdwn(text: string): { type: 'mrkdwn'; text: string; verbatim: true } {
  return { type: 'mrkdwn', text, verbatim: true };
}

export function renderSlack(msg: ChatMessage): SlackMessage {
  const blocks = msg.parts.flatMap(renderPart);
  // The fallback text is mrkdwn too (and what notifications show): escaped like the blocks.
  return { text: clip(md(msg.summary), LIMITS.fallbackText), blocks: fitBlocks(blocks) };
}

function renderPart(part: Part): Block[] {
  switch (part.kind) {
    case 'heading': {
      const prefix = part.tone ? `${TONE_EMOJI[part.tone]} ` : '';
      return [
        {
          type: 'header',
          text: { type: 'plain_text', text: clip(prefix + plain(part.text), LIMITS.header), emoji: true },
        },
      ];
    }
    case 'text':
      return [section(`${part.tone ? `${TONE_EMOJI[part.tone]} ` : ''}${md(part.text)}`)];
    case 'fields': {
      if (part.fields.length === 0) return [];
      const all = part.fields.map((f) =>
        clip(`*${escapeMrkdwn(f.label)}*\n${md(f.value)}`, LIMITS.fieldText),
      );
      const shown = all.slice(0, LIMITS.fields);
      const more = all.length - shown.length;
      if (more > 0) shown[shown.length - 1] = `… and ${more + 1} more`;
      return [{ type: 'section', fields: shown.map(mrkdwn) }];
    }
    case 'list':
      return [section(listText(part.items, part.title))];
    case 'link':
      return [section(`<${safeUrl(part.url)}|${escapeMrkdwn(part.label).replace(/\|/g, '¦')}>`)];
    case 'code':
      return [section(codeText(part.text))];
    case 'note':
      return [{ type: 'context', elements: [mrkdwn(clip(md(part.text), LIMITS.text))] }];
    case 'divider':
      return [{ type: 'divider' }];
    case 'actions':
      return part.buttons.length === 0
        ? []
        : [
            {
              type: 'actions',
              ...(part.blockId ? { block_id: clip(part.blockId, LIMITS.blockId) } : {}),
              elements: part.buttons.map(button),
            },
          ];
  }
}

function section(text: string): Block {
  return { type: 'section', text: mrkdwn(clip(text, LIMITS.text)) };
}

function button(b: Button): types.Button | types.StaticSelect {
  if (b.options) {
    return {
      type: 'static_select',
      action_id: b.actionId,
      placeholder: { type: 'plain_text', text: clip(plain(b.label), LIMITS.buttonLabel), emoji: true },
      options: b.options.slice(0, LIMITS.options).map((o) => ({
        text: { type: 'plain_text', text: clip(plain(o.label), LIMITS.buttonLabel), emoji: true },
        value: clip(o.value, LIMITS.optionValue),
      })),
    };
  }
  return {
    type: 'button',
    action_id: b.actionId,
    text: { type: 'plain_text', text: clip(plain(b.label), LIMITS.buttonLabel), emoji: true },
    value: b.value,
    ...(b.style ? { style: b.style } : {}),
  };
}

function itemLine(item: Item): string {
  const mark = item.tone ? `${TONE_EMOJI[item.tone]} ` : '• ';
  return `${mark}${md(item.text)}${item.detail ? `\n${detailLines(item.detail)}` : ''}`;
}

/** Every line of a detail indented and in italics, so multi-line advice keeps its shape. */
function detailLines(detail: Text): string {
  return md(detail)
    .trimEnd()
    .split('\n')
    .map((l) => {
      const body = l.trimEnd();
      if (!body.trim()) return '';
      const indent = /^\s*/.exec(body)?.[0] ?? '';
      return `      ${indent}_${body.trim()}_`;
    })
    .join('\n');
}

/** As many whole items as fit in one text object, then "… and N more". */
export function listText(items: Item[], title?: string): string {
  const head = title ? `*${escapeMrkdwn(title)}*\n` : '';
  const lines: string[] = [];
  let used = head.length;
  for (let i = 0; i < items.length; i++) {
    const line = itemLine(items[i] as Item);
    const rest = items.length - i - 1;
    // Keep room for the longest possible tail line, so the cut never overflows.
    const reserve = rest > 0 ? `\n… and ${items.length} more`.length : 0;
    if (used + line.length + 1 + reserve > LIMITS.text) {
      lines.push(`… and ${items.length - i} more`);
      return head + lines.join('\n');
    }
    lines.push(line);
    used += line.length + 1;
  }
  return head + lines.join('\n');
}

function codeText(body: string): string {
  // Triple backticks inside the body would end the block early.
  const safe = escapeMrkdwn(body.replace(/```/g, "'''"));
  const max = LIMITS.text - 8;
  if (safe.length <= max) return `\`\`\`${safe}\`\`\``;
  const lines = safe.split('\n');
  let out = '';
  let i = 0;
  for (; i < lines.length; i++) {
    const next = out === '' ? (lines[i] as string) : `${out}\n${lines[i]}`;
    if (next.length > max - 24) break;
    out = next;
  }
  return `\`\`\`${out}\n… and ${lines.length - i} more lines\`\`\``;
}

/** Over 50 blocks: keep the buttons, drop from the end of the rest, say how many went. */
function fitBlocks(blocks: Block[]): Block[] {
  if (blocks.length <= LIMITS.blocks) return blocks;
  const actions = blocks.filter((b) => b.type === 'actions');
  const others = blocks.filter((b) => b.type !== 'actions');
  const room = Math.max(0, LIMITS.blocks - actions.length - 1);
  const dropped = others.length - room;
  return [
    ...others.slice(0, room),
    { type: 'context', elements: [mrkdwn(`… and ${dropped} more`)] },
    ...actions.slice(0, LIMITS.blocks - room - 1),
  ];
}

function safeUrl(url: string): string {
  // Only web links; "<" "|" ">" would break Slack's link syntax, and "&" is escaped as in all mrkdwn.
  if (!/^https?:\/\//i.test(url)) return 'about:blank';
  return url.replace(/[<>|\s]/g, encodeURIComponent).replace(/&/g, '&amp;');
}

export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  return `${s.slice(0, max - 1)}…`;
}
