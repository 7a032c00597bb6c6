import { describe, expect, it } from 'vitest';
import { list, mention, message, rich, text } from '../../src/chat/message.js';
import { LIMITS, listText, md, renderSlack } from '../../src/chat/slack/blocks.js';

type AnyBlock = {
  type: string;
  text?: { text: string };
  fields?: { text: string }[];
  elements?: { text?: unknown; value?: string; action_id?: string }[];
};

function texts(blocks: unknown[]): string[] {
  return (blocks as AnyBlock[]).flatMap((b) => [
    ...(b.text ? [b.text.text] : []),
    ...(b.fields ?? []).map((f) => f.text),
    ...(b.elements ?? []).flatMap((e) => (typeof e.text === 'string' ? [e.text] : [])),
  ]);
}

describe('Block Kit renderer', () => {
  it('escapes Slack control characters; only mentions perfbot made are live', () => {
    expect(md('a < b & c > d')).toBe('a &lt; b &amp; c &gt; d');
    expect(md(rich`approved by ${mention('U0ALICE')}, ask ${mention('S0ONCALL')}`)).toBe(
      'approved by <@U0ALICE>, ask <!subteam^S0ONCALL>',
    );
    // "@U0ALICE" typed into alert text is not a mention; neither is an escaped <@U…>.
    expect(md('ping @U0ALICE and <@U0ALICE> <!subteam^S0ONCALL>')).toBe(
      'ping @U0ALICE and &lt;@U0ALICE&gt; &lt;!subteam^S0ONCALL&gt;',
    );
    // A mention whose ID is not a Slack ID stays text.
    expect(md([mention('U0A><!channel')])).toBe('@U0A&gt;&lt;!channel');
    // An injected link or broadcast in alert text stays text, in the blocks and the fallback text.
    const hostile = '<!channel> <!here> <https://evil|click> & co';
    const out = renderSlack(message(hostile, text(hostile)));
    expect(out.blocks[0]).toMatchObject({
      text: { text: '&lt;!channel&gt; &lt;!here&gt; &lt;https://evil|click&gt; &amp; co' },
    });
    expect(out.text).toBe('&lt;!channel&gt; &lt;!here&gt; &lt;https://evil|click&gt; &amp; co');
  });

  it("turns off Slack's automatic parsing, so a bare @here or #channel in alert text stays text", () => {
    const { blocks } = renderSlack(
      message(
        's',
        { kind: 'heading', text: '<!channel> HighLatency' },
        text('ping @here in #general'),
        { kind: 'fields', fields: [{ label: 'Service', value: '@channel' }] },
        { kind: 'note', text: '@everyone' },
      ),
    );
    // plain_text is never parsed; its angle brackets are swapped for look-alikes all the same.
    expect(blocks[0]).toMatchObject({
      type: 'header',
      text: { type: 'plain_text', text: '‹!channel› HighLatency' },
    });
    expect(blocks[1]).toMatchObject({
      text: { type: 'mrkdwn', verbatim: true, text: 'ping @here in #general' },
    });
    expect(blocks[2]).toMatchObject({ fields: [{ type: 'mrkdwn', verbatim: true }] });
    expect(blocks[3]).toMatchObject({ elements: [{ type: 'mrkdwn', verbatim: true, text: '@everyone' }] });
  });

  it('cuts a long list at 3,000 characters with "… and N more", counting every item', () => {
    const items = Array.from({ length: 500 }, (_, i) => `alert number ${i} on pod-${i}.example.internal`);
    const out = listText(
      items.map((t) => ({ text: t })),
      'Alerts (500)',
    );
    expect(out.length).toBeLessThanOrEqual(LIMITS.text);
    const shown = out.split('\n').filter((l) => l.startsWith('• ')).length;
    const more = Number(/… and (\d+) more$/.exec(out)?.[1]);
    expect(shown + more).toBe(500);
  });

  it('never produces more than 50 blocks, keeps the buttons and says how many sections were left out', () => {
    const parts = Array.from({ length: 80 }, (_, i) => text(`section ${i}`));
    const msg = message('many', ...parts, {
      kind: 'actions',
      buttons: [
        { actionId: 'remediation.approve', label: 'Approve', value: 'prop-0123456789ab', style: 'primary' },
      ],
    });
    const { blocks } = renderSlack(msg);
    expect(blocks).toHaveLength(LIMITS.blocks);
    expect(blocks.at(-1)).toMatchObject({ type: 'actions' });
    const cut = blocks.at(-2) as AnyBlock;
    expect(cut.type).toBe('context');
    expect(texts([cut])[0]).toBe('… and 32 more');
  });

  it('keeps every text object within 3,000 characters and header/button labels within their limits', () => {
    const long = 'x'.repeat(10_000);
    const { blocks, text: fallback } = renderSlack(
      message(
        long,
        { kind: 'heading', text: long },
        text(long),
        { kind: 'code', text: `${'line\n'.repeat(2000)}` },
        { kind: 'note', text: long },
        { kind: 'fields', fields: Array.from({ length: 14 }, (_, i) => ({ label: `f${i}`, value: long })) },
        {
          kind: 'actions',
          buttons: [{ actionId: 'remediation.deny', label: long, value: 'prop-0123456789ab' }],
        },
      ),
    );
    expect(fallback.length).toBeLessThanOrEqual(LIMITS.fallbackText);
    for (const t of texts(blocks)) expect(t.length).toBeLessThanOrEqual(LIMITS.text);
    const header = blocks[0] as AnyBlock;
    expect(header.text?.text.length).toBeLessThanOrEqual(LIMITS.header);
    const fields = (blocks as AnyBlock[]).find((b) => b.fields)?.fields ?? [];
    expect(fields).toHaveLength(LIMITS.fields);
    expect(fields.at(-1)?.text).toBe('… and 5 more');
    const code = texts(blocks).find((t) => t.startsWith('```')) ?? '';
    expect(code).toMatch(/… and \d+ more lines```$/);
    const button = (blocks.at(-1) as { elements: { text: { text: string } }[] }).elements[0];
    expect(button?.text.text.length).toBeLessThanOrEqual(LIMITS.buttonLabel);
  });

  it('renders buttons with the contract action IDs and only the proposal ID as value', () => {
    const { blocks } = renderSlack(
      message('p', {
        kind: 'actions',
        buttons: [
          { actionId: 'remediation.approve', label: 'Approve', value: 'prop-0123456789ab', style: 'primary' },
          { actionId: 'remediation.deny', label: 'Deny', value: 'prop-0123456789ab', style: 'danger' },
        ],
      }),
    );
    expect(blocks[0]).toEqual({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: 'remediation.approve',
          text: { type: 'plain_text', text: 'Approve', emoji: true },
          value: 'prop-0123456789ab',
          style: 'primary',
        },
        {
          type: 'button',
          action_id: 'remediation.deny',
          text: { type: 'plain_text', text: 'Deny', emoji: true },
          value: 'prop-0123456789ab',
          style: 'danger',
        },
      ],
    });
  });

  it('renders links only for http(s) URLs', () => {
    const ok = renderSlack(message('l', { kind: 'link', label: 'Runbook', url: 'https://wiki/x' }))
      .blocks[0] as AnyBlock;
    const bad = renderSlack(message('l', { kind: 'link', label: 'Runbook', url: 'javascript:alert(1)' }))
      .blocks[0] as AnyBlock;
    expect(ok.text?.text).toBe('<https://wiki/x|Runbook>');
    expect(bad.text?.text).toBe('<about:blank|Runbook>');
  });

  it('lists with tone marks and details', () => {
    const { blocks } = renderSlack(
      message('c', list([{ text: 'p95 latency: 2 s', tone: 'critical', detail: 'above 500 ms' }], 'Checks')),
    );
    expect(texts(blocks)[0]).toBe('*Checks*\n:red_circle: p95 latency: 2 s\n      _above 500 ms_');
  });
});
