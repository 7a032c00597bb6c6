// Signed but malformed Slack requests, clicks on buttons nobody handles and modal submissions,
// sent over HTTP to the real server: each gets a clear answer — 400 naming the field for a body
// that lacks what Slack always sends, never a 500 and never an internal error text; an
// acknowledgement (and a word to the clicker) for an unknown button; a closed modal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockActionBody, sendSigned } from '../fakes/slack.js';
import { type Harness, SIGNING_SECRET, startHarness, waitUntil } from './slack-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const post = (body: string, contentType?: string) =>
  sendSigned(`${h.url}/slack/events`, SIGNING_SECRET, body, contentType ? { contentType } : {});

function click(actionId: string): Record<string, unknown> {
  const body = blockActionBody({
    actionId,
    value: 'x',
    user: 'U0EDGE',
    channel: 'C0EDGE',
    messageTs: '1700000000.000100',
  });
  return JSON.parse(new URLSearchParams(body).get('payload') as string) as Record<string, unknown>;
}

describe('malformed signed Slack bodies', () => {
  const withoutUser = click('remediation.approve');
  delete withoutUser.user;
  const noActions = { ...click('remediation.approve'), actions: [] };
  const cases: [string, string, string | undefined, string][] = [
    ['payload=null', form({ payload: 'null' }), undefined, 'payload'],
    ['payload that is not JSON', form({ payload: '{"type":' }), undefined, 'payload'],
    ['payload that is a number', form({ payload: '42' }), undefined, 'payload'],
    ['block_actions without user', form({ payload: JSON.stringify(withoutUser) }), undefined, 'payload.user'],
    [
      'block_actions without actions',
      form({ payload: JSON.stringify(noActions) }),
      undefined,
      'payload.actions',
    ],
    [
      'view_submission without view',
      form({ payload: JSON.stringify({ type: 'view_submission', user: { id: 'U1' } }) }),
      undefined,
      'payload.view',
    ],
    ['a form that is no command', form({ hello: 'world' }), undefined, 'command'],
    [
      'a command without user_id',
      form({ command: '/perf', channel_id: 'C1', text: 'help' }),
      undefined,
      'user_id',
    ],
    ['JSON garbage', '{{{{', 'application/json', '(body)'],
    ['JSON array', '[1,2]', 'application/json', '(body)'],
    ['event_callback without event', '{"type":"event_callback"}', 'application/json', 'event'],
    ['binary garbage', '\u0000\u0001\u00ff', 'application/octet-stream', '(body)'],
  ];
  for (const [name, body, contentType, field] of cases) {
    it(`${name} → 400 naming ${field}`, async () => {
      const res = await post(body, contentType);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toEqual({ error: 'malformed_body', field });
      expect(res.body).not.toMatch(/TypeError|Cannot read|undefined|stack/i);
    });
  }

  it('a well-formed command still works after all that', async () => {
    const res = await h.slash('help');
    expect(res.status).toBe(200);
    expect(res.body).toContain('/perf');
  });
});

describe('interactions nobody handles still get an answer', () => {
  it('a click on an unknown action ID is acknowledged and the clicker told', async () => {
    const res = await post(form({ payload: JSON.stringify(click('something.unknown')) }));
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    const told = await waitUntil(
      () => h.fake.ephemerals.find((e) => e.user === 'U0EDGE' && e.channel === 'C0EDGE'),
      'the ephemeral to the clicker',
    );
    expect(told.text).toContain('Not a perfbot button');
  });

  it('a view submission and a view closing are acknowledged (the modal closes)', async () => {
    for (const type of ['view_submission', 'view_closed']) {
      const payload = {
        type,
        user: { id: 'U0EDGE' },
        team: { id: 'T0FAKE' },
        view: { id: 'V0001', callback_id: 'not-ours', state: { values: {} } },
      };
      const res = await post(form({ payload: JSON.stringify(payload) }));
      expect(res.status).toBe(200);
      expect(res.body).toBe('');
    }
  });
});
