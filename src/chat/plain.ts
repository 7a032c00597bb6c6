// ChatMessage → terminal text: what `perfbot` prints for commands and, without Slack
// credentials, what `perfbot serve` prints as its incident channel. No Slack syntax: mentions
// are @ID, links are "label: url".
import type { ChatMessage, Item, Part } from './message.js';
import { plainText, TONE_MARK } from './message.js';

export function renderPlain(msg: ChatMessage): string {
  const lines = msg.parts.flatMap(renderPart);
  return (lines.length === 0 ? [plainText(msg.summary)] : lines).join('\n');
}

function renderPart(part: Part): string[] {
  switch (part.kind) {
    case 'heading':
      return [
        `${part.tone ? `${TONE_MARK[part.tone]} ` : ''}${part.text}`,
        '='.repeat(Math.min(72, part.text.length + 3)),
      ];
    case 'text':
      return [`${part.tone ? `${TONE_MARK[part.tone]} ` : ''}${plainText(part.text)}`];
    case 'fields': {
      const width = Math.max(0, ...part.fields.map((f) => f.label.length));
      return part.fields.map((f) => `${`${f.label}:`.padEnd(width + 1)} ${plainText(f.value)}`);
    }
    case 'list':
      return [...(part.title ? [`${part.title}:`] : []), ...part.items.flatMap(itemLines)];
    case 'link':
      return [`${part.label}: ${part.url}`];
    case 'code':
      return part.text.split('\n').map((l) => `    ${l}`);
    case 'note':
      return [`  (${plainText(part.text)})`];
    case 'divider':
      return ['-'.repeat(40)];
    case 'actions':
      // A terminal cannot click: say what the buttons would do and where to do it.
      return part.buttons.map((b) =>
        b.options
          ? `  [${b.label}: ${b.options.map((o) => o.label).join(' | ')}] ${b.actionId} ${part.blockId ?? ''}`.trimEnd()
          : `  [${b.label}] ${b.actionId} ${b.value}`,
      );
  }
}

/** The detail keeps its author's line breaks and relative indentation, every line indented. */
export function itemLines(item: Item): string[] {
  const mark = item.tone ? TONE_MARK[item.tone] : '-';
  const detail = item.detail === undefined ? [] : indentLines(plainText(item.detail), '      ');
  return [`  ${mark} ${plainText(item.text)}`, ...detail];
}

export function indentLines(body: string, indent: string): string[] {
  return body
    .trimEnd()
    .split('\n')
    .map((l) => (l.trim() ? `${indent}${l.trimEnd()}` : ''));
}
