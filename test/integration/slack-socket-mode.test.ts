// Socket Mode end to end on loopback: perfbot (SLACK_APP_TOKEN set) asks the Slack fake — at
// SLACK_API_URL, with the app token — for a connection (apps.connections.open), connects to the
// WebSocket URL it hands out (a real `ws` server here), gets `hello`, acknowledges a `/perf`
// slash command envelope with its answer and a button click, and after the socket drops asks
// for a new URL, connects again and keeps answering.
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { blockActionBody } from '../fakes/slack.js';
import { type Harness, startHarness, waitUntil } from './slack-harness.js';

const APP_TOKEN = 'xapp-1-A0PERFBOT-1-socket';

let h: Harness;
let wss: WebSocketServer;
const connections: { socket: WebSocket; path: string; received: Record<string, unknown>[] }[] = [];

beforeAll(async () => {
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  wss.on('connection', (socket, req) => {
    const conn = { socket, path: req.url ?? '', received: [] as Record<string, unknown>[] };
    socket.on('message', (data) => conn.received.push(JSON.parse(String(data)) as Record<string, unknown>));
    connections.push(conn);
  });
  const port = (wss.address() as { port: number }).port;
  h = await startHarness({
    env: { SLACK_APP_TOKEN: APP_TOKEN },
    fake: { appToken: APP_TOKEN, socketUrl: `ws://127.0.0.1:${port}/link/?ticket=first` },
    // Reconnect half a second after a drop (Slack's client waits clientPingTimeout × failures).
    slack: { socket: { clientPingTimeoutMs: 500 } },
  });
});

afterAll(async () => {
  await h?.close();
  for (const c of wss?.clients ?? []) c.terminate();
  await new Promise((r) => wss?.close(r));
});

function hello(socket: WebSocket): void {
  socket.send(
    JSON.stringify({
      type: 'hello',
      num_connections: 1,
      debug_info: { host: 'fake', approximate_connection_time: 3600 },
      connection_info: { app_id: 'A0PERFBOT' },
    }),
  );
}

function slashEnvelope(id: string, text: string): string {
  return JSON.stringify({
    envelope_id: id,
    type: 'slash_commands',
    accepts_response_payload: true,
    payload: {
      token: 'legacy',
      team_id: 'T0FAKE',
      team_domain: 'fake',
      channel_id: 'C0SOCKET',
      channel_name: 'ops',
      user_id: 'U0SOCK',
      user_name: 'sock',
      command: '/perf',
      text,
      api_app_id: 'A0PERFBOT',
      response_url: 'https://hooks.slack.invalid/commands/1',
      trigger_id: '1.2.3',
    },
  });
}

const answerTo = (conn: (typeof connections)[number], id: string) =>
  waitUntil(() => conn.received.find((m) => m.envelope_id === id), `the ack of ${id}`);

describe('Socket Mode', () => {
  it('connects to the URL apps.connections.open hands out, through SLACK_API_URL with the app token', async () => {
    const conn = await waitUntil(() => connections[0], 'the first connection');
    expect(conn.path).toBe('/link/?ticket=first');
    const open = h.fake.calls.filter((c) => c.method === 'apps.connections.open');
    expect(open).toHaveLength(1);
    expect(open[0]?.token).toBe(APP_TOKEN);
    hello(conn.socket);
  });

  it('acknowledges a /perf slash command envelope with its answer', async () => {
    const conn = connections[0] as (typeof connections)[number];
    conn.socket.send(slashEnvelope('env-cmd-1', 'help'));
    const ack = await answerTo(conn, 'env-cmd-1');
    const payload = ack.payload as { response_type: string; text: string; blocks: unknown[] };
    expect(payload.response_type).toBe('ephemeral');
    expect(JSON.stringify(payload.blocks)).toContain('/perf diagnose');
  });

  it('acknowledges a button click, then answers the clicker', async () => {
    const conn = connections[0] as (typeof connections)[number];
    const payload = JSON.parse(
      new URLSearchParams(
        blockActionBody({
          actionId: 'remediation.approve',
          value: 'not-a-proposal',
          user: 'U0SOCK',
          channel: 'C0SOCKET',
          messageTs: '1700000000.000200',
        }),
      ).get('payload') as string,
    ) as Record<string, unknown>;
    conn.socket.send(
      JSON.stringify({
        envelope_id: 'env-click-1',
        type: 'interactive',
        accepts_response_payload: false,
        payload,
      }),
    );
    const ack = await answerTo(conn, 'env-click-1');
    // A bare acknowledgement: nothing to show in place of the message.
    expect(ack.envelope_id).toBe('env-click-1');
    expect(ack.payload ?? {}).toEqual({});
    const told = await waitUntil(
      () => h.fake.ephemerals.find((e) => e.user === 'U0SOCK'),
      'the ephemeral answer to the click',
    );
    // The app's remediation refuses (and audits) a value that is no proposal ID.
    expect(told.text).toBe('This button does not belong to a remediation perfbot knows.');
  });

  it('reconnects after the socket drops: a new URL, a new connection, answering again', async () => {
    h.fake.socketUrl = h.fake.socketUrl?.replace('first', 'second');
    connections[0]?.socket.terminate();
    const conn = await waitUntil(() => connections[1], 'the second connection', 30_000);
    expect(conn.path).toBe('/link/?ticket=second');
    expect(h.fake.calls.filter((c) => c.method === 'apps.connections.open')).toHaveLength(2);
    hello(conn.socket);
    conn.socket.send(slashEnvelope('env-cmd-2', 'list'));
    const ack = await answerTo(conn, 'env-cmd-2');
    expect(JSON.stringify(ack.payload)).toContain('data-pipeline');
  });
});
