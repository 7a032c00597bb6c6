// The root message's lifecycle parts and buttons, the click → command mapping of the incident
// buttons, and the lifecycle thread replies (Slack and terminal), without a server.
import { describe, expect, it } from 'vitest';
import { rootMessage } from '../../src/chat/incident-message.js';
import { lifecycleReply, rerunReply } from '../../src/chat/lifecycle-replies.js';
import { renderPlain } from '../../src/chat/plain.js';
import { renderSlack } from '../../src/chat/slack/blocks.js';
import { commandFor } from '../../src/chat/slack/incident-actions.js';
import { parseIncidentEvent } from '../../src/incidents/events.js';
import type { Incident, IncidentAlert } from '../../src/incidents/types.js';

const NOW = new Date('2026-01-01T12:10:00.000Z');
const ID = 'inc-abc123-0001';

function alert(name: string, group: string, repeats = 0): IncidentAlert {
  return {
    source: 'alertmanager',
    fingerprint: `fp-${name}`,
    name,
    status: 'firing',
    labels: { alertname: name, namespace: 'default', severity: 'warning' },
    annotations: {},
    startsAt: '2026-01-01T12:00:00.000Z',
    group,
    repeats,
    firstSeenAt: '2026-01-01T12:00:00.000Z',
    lastNotifiedAt: '2026-01-01T12:00:00.000Z',
  } as IncidentAlert;
}

function incident(over: Partial<Incident> = {}): Incident {
  return {
    id: ID,
    source: 'alertmanager',
    group: 'g1',
    playbookId: null,
    trigger: null,
    title: 'A',
    status: 'open',
    openedAt: '2026-01-01T12:00:00.000Z',
    startedAt: '2026-01-01T12:00:00.000Z',
    updatedAt: '2026-01-01T12:00:00.000Z',
    alertCount: 2,
    firingCount: 2,
    repeats: 2,
    alerts: [alert('A', 'g1'), alert('B', '{}:{alertname="<!channel>"}', 2)],
    groups: [
      {
        source: 'alertmanager',
        group: 'g1',
        reason: 'opened',
        at: '2026-01-01T12:00:00.000Z',
        key: { namespace: 'default' },
      },
      {
        source: 'alertmanager',
        group: '{}:{alertname="<!channel>"}',
        reason: 'joined',
        at: '2026-01-01T12:01:00.000Z',
        key: { namespace: 'default' },
      },
    ],
    ...over,
  };
}

const blockText = (blocks: unknown) => JSON.stringify(blocks);

describe('incident root: owner, silences, groups, buttons', () => {
  it('shows the owner, the joined groups (escaped) and the buttons of an open incident', () => {
    const msg = rootMessage(
      incident({ acknowledgedBy: 'U0ALICE', acknowledgedAt: '2026-01-01T12:05:00.000Z' }),
      undefined,
      NOW,
      [
        { url: 'http://am1', id: 's1', by: 'U0ALICE', endsAt: '2026-01-01T13:05:00.000Z', state: 'active' },
        { url: 'http://am2', id: 's2', by: 'U0ALICE', endsAt: '2026-01-01T13:05:00.000Z', state: 'active' },
        { url: 'http://am1', id: 's0', by: 'U0BOB', endsAt: '2026-01-01T12:06:00.000Z', state: 'ended' },
      ],
    );
    const { blocks } = renderSlack(msg);
    const all = blockText(blocks);
    expect(all).toContain('*Owner*\\n<@U0ALICE> (acknowledged 5m ago)');
    expect(all).toContain('Alert groups (2)');
    expect(all).toContain('A — opened the incident');
    expect(all).toContain('B — joined at 2026-01-01T12:01:00.000Z (same namespace=\\"default\\")');
    expect(all).toContain('repeated 2×');
    // A group key from outside stays text.
    expect(all).not.toContain('<!channel>');
    expect(all).toContain('&lt;!channel&gt;');
    // One line for an HA pair's two silences; the ended one is not shown.
    expect(all.match(/Silenced until 2026-01-01T13:05:00.000Z by <@U0ALICE>/g)).toHaveLength(1);
    expect(all).not.toContain('s0');
    const row = (blocks as { type: string; block_id?: string; elements?: { action_id: string }[] }[]).find(
      (b) => b.type === 'actions',
    );
    expect(row?.block_id).toBe(`incident:${ID}`);
    // No playbook: nothing to re-run.
    expect(row?.elements?.map((e) => e.action_id)).toEqual([
      'incident.ack',
      'incident.silence',
      'incident.unsilence',
      'incident.resolve',
    ]);
  });

  it('a resolved incident shows who resolved it and no buttons; a non-Alertmanager one no Silence', () => {
    const resolved = renderSlack(
      rootMessage(incident({ status: 'resolved', resolvedBy: 'U0BOB', durationMs: 60_000 }), undefined, NOW),
    );
    expect(blockText(resolved.blocks)).toContain('*Resolved by*\\n<@U0BOB>');
    expect(resolved.blocks.some((b) => b.type === 'actions')).toBe(false);
    const azure = renderSlack(rootMessage(incident({ source: 'azure-monitor' }), undefined, NOW));
    expect(blockText(azure.blocks)).not.toContain('incident.silence');
    expect(blockText(azure.blocks)).toContain('incident.ack');
  });

  it('the terminal lists the choice without clicking anything', () => {
    const text = renderPlain(rootMessage(incident(), undefined, NOW));
    expect(text).toContain(
      `[Silence…: Silence 1h | Silence 4h | Silence 24h] incident.silence incident:${ID}`,
    );
    expect(text).toContain(`[Acknowledge] incident.ack ${ID}`);
  });
});

describe('incident button → /perf command', () => {
  it('buttons name the incident in their value; the silence choice in its block and option', () => {
    expect(commandFor('incident.ack', { value: ID })).toEqual({ text: `ack ${ID}`, incidentId: ID });
    expect(commandFor('incident.resolve', { value: ID })).toMatchObject({ text: `resolve ${ID}` });
    expect(commandFor('incident.rerun', { value: ID })).toMatchObject({ text: `diagnose ${ID}` });
    expect(commandFor('incident.unsilence', { value: ID })).toMatchObject({ text: `silence ${ID} expire` });
    expect(
      commandFor('incident.silence', { block_id: `incident:${ID}`, selected_option: { value: '4h' } }),
    ).toMatchObject({ text: `silence ${ID} 4h` });
  });

  it('a hand-made value never reaches the command line', () => {
    expect(commandFor('incident.ack', { value: `${ID} resolve` })).toHaveProperty('error');
    expect(commandFor('incident.ack', { value: '' })).toHaveProperty('error');
    expect(
      commandFor('incident.silence', { block_id: `incident:${ID}`, selected_option: { value: '30d' } }),
    ).toEqual({ error: 'Choose a silence of 1h, 4h, 24h.' });
    expect(
      commandFor('incident.silence', { block_id: 'b1', selected_option: { value: '1h' } }),
    ).toHaveProperty('error');
  });
});

describe('lifecycle thread replies', () => {
  const base = {
    incidentId: ID,
    playbookId: null,
    source: 'alertmanager',
    group: 'g1',
    title: 'A',
    at: NOW.getTime(),
    alerts: [],
  };
  const event = (payload: Record<string, unknown>) =>
    parseIncidentEvent('1-0', JSON.stringify({ ...base, ...payload }));

  it('acknowledged, silenced and silence ended: a mention in Slack, one line in the terminal', () => {
    const ack = lifecycleReply(event({ type: 'acknowledged', by: 'U0BOB', previous: 'U0ALICE' }));
    expect(renderSlack(ack as never).text).toBe(
      '<@U0BOB> acknowledged this incident and owns it now (taken over from <@U0ALICE>).',
    );
    expect(ack?.terminal).toEqual({
      show: 'line',
      line: '✅ @U0BOB acknowledged this incident and owns it now (taken over from @U0ALICE).',
    });
    const silenced = lifecycleReply(
      event({
        type: 'silenced',
        by: 'U0BOB',
        silences: [{ url: 'http://am1', id: 's1' }],
        endsAt: Date.parse('2026-01-01T13:10:00.000Z'),
        matchers: [{ name: 'alertname', value: 'A|B', isRegex: true }],
        comment: 'perfbot inc: <!here> deploying',
      }),
    );
    const rendered = renderSlack(silenced as never);
    expect(rendered.text).toBe('Silenced by <@U0BOB> until 2026-01-01T13:10:00.000Z.');
    expect(blockText(rendered.blocks)).toContain('alertname=~\\"A|B\\"');
    expect(blockText(rendered.blocks)).toContain('&lt;!here&gt;');
    expect(silenced?.terminal).toMatchObject({ show: 'line' });
    for (const [reason, said] of [
      ['expired', 'has run out'],
      ['deleted', 'was expired or deleted in Alertmanager'],
      ['expired-by', 'was expired by <@U0BOB>'],
    ] as const) {
      const r = lifecycleReply(
        event({ type: 'silence-ended', silence: { url: 'http://am1', id: 's1' }, reason, by: 'U0BOB' }),
      );
      expect(renderSlack(r as never).text).toContain(`Silence s1 on http://am1 ${said}`);
    }
    expect(lifecycleReply(event({ type: 'repeated', repeats: 3 }))).toBeUndefined();
  });

  it('a re-run names who asked; a CLI user is plain text', () => {
    expect(renderSlack(rerunReply('U0BOB')).text).toBe('Diagnosis re-run requested by <@U0BOB>.');
    expect(rerunReply('cli:alice').terminal).toEqual({
      show: 'line',
      line: '⏳ Diagnosis re-run requested by @cli:alice.',
    });
  });
});
