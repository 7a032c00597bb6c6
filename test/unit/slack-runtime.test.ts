import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../commands/index.js';
import type { ChatRefs } from '../../src/chat/refs.js';
import { registerSlackHandlers } from '../../src/chat/slack/interactions.js';
import { createSlackRuntime } from '../../src/chat/slack/runtime.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { PlaybookCatalog } from '../../src/playbooks/catalog.js';
import { FakeSlack, sendSigned, slashCommandBody } from '../fakes/slack.js';

let fake: FakeSlack;
beforeAll(async () => {
  fake = await new FakeSlack().start();
});
afterAll(async () => {
  await fake.stop();
});

const slack = () => ({
  botToken: fake.token,
  signingSecret: 'secret',
  appToken: undefined as string | undefined,
  apiUrl: fake.apiUrl,
  incidentChannel: 'C0INC',
});

describe('Slack runtime', () => {
  it('HTTP mode: one auth.test at start (Bolt is given the IDs), POST /slack/events mounted', async () => {
    const before = fake.callsTo('auth.test').length;
    const rt = await createSlackRuntime({ slack: slack(), log: silentLogger });
    expect(rt.mode).toBe('http');
    expect(fake.callsTo('auth.test')).toHaveLength(before + 1);
    expect(fake.callsTo('auth.test').at(-1)?.token).toBe(fake.token);
    const server = Fastify();
    await rt.routes(server);
    expect(server.hasRoute({ method: 'POST', url: '/slack/events' })).toBe(true);
    await server.close();
    expect(rt.sink.link({ channel: 'C0INC', ts: '1700000000.000100' })).toBe(
      'https://fake.slack.com/archives/C0INC/p1700000000000100',
    );
  });

  it('Socket Mode when SLACK_APP_TOKEN is set: no HTTP route', async () => {
    const rt = await createSlackRuntime({
      slack: { ...slack(), appToken: 'xapp-1-test' },
      log: silentLogger,
    });
    expect(rt.mode).toBe('socket');
    const server = Fastify();
    await rt.routes(server);
    expect(server.hasRoute({ method: 'POST', url: '/slack/events' })).toBe(false);
    await server.close();
  });

  it('starts even when auth.test fails (a wrong token), and says so', async () => {
    const rt = await createSlackRuntime({ slack: { ...slack(), botToken: 'xoxb-wrong' }, log: silentLogger });
    expect(rt.mode).toBe('http');
  });

  it('acks a slow command at once with "working on it" and sends the reply ephemerally when ready', async () => {
    const rt = await createSlackRuntime({ slack: slack(), log: silentLogger });
    let release: () => void = () => {};
    const slow = new Promise<void>((r) => {
      release = r;
    });
    registerSlackHandlers(rt.app, {
      sink: rt.sink,
      refs: {} as ChatRefs,
      log: silentLogger,
      now: () => new Date(),
      inlineReplyMs: 20,
      dispatch,
      commandContext: (invoker) => ({
        catalog: new PlaybookCatalog([]),
        invoker,
        now: () => new Date(),
        log: silentLogger,
        audit: {
          lines: async () => {
            await slow;
            return ['the trail, eventually'];
          },
        },
      }),
    });
    const server = Fastify();
    await rt.routes(server);
    const url = await server.listen({ port: 0, host: '127.0.0.1' });
    const res = await sendSigned(
      `${url}/slack/events`,
      'secret',
      slashCommandBody('audit', { user: 'U0SLOW', channel: 'C0SLOW' }),
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ response_type: 'ephemeral', text: 'Working on it…' });
    expect(fake.ephemerals.filter((e) => e.user === 'U0SLOW')).toHaveLength(0);
    release();
    const late = await new Promise<(typeof fake.ephemerals)[number]>((resolve) => {
      const poll = setInterval(() => {
        const e = fake.ephemerals.find((x) => x.user === 'U0SLOW');
        if (e) {
          clearInterval(poll);
          resolve(e);
        }
      }, 10);
    });
    expect(late.channel).toBe('C0SLOW');
    expect(JSON.stringify(late.blocks)).toContain('the trail, eventually');
    await server.close();
  });
});

function captureLog() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      cb();
    },
  });
  return { log: createLogger({ pretty: false, destination, level: 'debug' }), lines };
}

describe('Slack unavailable at start', () => {
  const faults: [string, () => void][] = [
    ['auth.test answers 500', () => fake.inject({ method: 'auth.test', status: 500, times: Infinity })],
    [
      'a bad token (invalid_auth)',
      () => fake.inject({ method: 'auth.test', error: 'invalid_auth', times: Infinity }),
    ],
    ['auth.test never answers', () => fake.inject({ method: 'auth.test', hang: true, times: Infinity })],
  ];
  for (const [name, inject] of faults) {
    it(`${name}: starts, says so once, holds writes, and sends them once Slack answers`, async () => {
      inject();
      const { log, lines } = captureLog();
      const rt = await createSlackRuntime({
        slack: slack(),
        log,
        firstRecheckMs: 50,
        recheckMs: 100,
        callTimeoutMs: 1000,
      });
      expect(rt.availability.state).toBe('down');
      expect(rt.sink.queue.isHeld).toBe(true);
      const posted = rt.sink.post('C0HELD', undefined, () => ({ summary: 'waited', parts: [] }));
      // Several re-checks fail meanwhile: still one error line.
      await new Promise((r) => setTimeout(r, 1500));
      expect(fake.roots('C0HELD')).toHaveLength(0);
      const errors = lines.filter((l) => l.level === 'error');
      expect(errors).toHaveLength(1);
      expect(String(errors[0]?.msg)).toMatch(/^slack: unavailable at start-up/);
      fake.clearFaults();
      const ref = await posted;
      expect(fake.roots('C0HELD').map((m) => m.ts)).toEqual([ref.ts]);
      expect(rt.availability.state).toBe('up');
      expect(lines.some((l) => l.msg === 'slack: reachable again; sending what waited')).toBe(true);
      expect(rt.sink.link(ref)).toMatch(/^https:\/\/fake\.slack\.com\//);
      await rt.stop();
      fake.messages.clear();
    });
  }

  it('a token revoked while running holds writes until Slack answers again', async () => {
    const rt = await createSlackRuntime({
      slack: slack(),
      log: silentLogger,
      firstRecheckMs: 50,
      recheckMs: 100,
    });
    fake.inject({ method: 'chat.postMessage', error: 'token_revoked' });
    fake.inject({ method: 'auth.test', error: 'token_revoked' });
    const ref = await rt.sink.post('C0REVOKED', undefined, () => ({ summary: 'after revoke', parts: [] }));
    expect(fake.roots('C0REVOKED').map((m) => m.ts)).toEqual([ref.ts]);
    await rt.stop();
  });
});
