import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackRuntime } from '../../src/chat/slack/runtime.js';
import { silentLogger } from '../../src/log.js';
import { FakeSlack } from '../fakes/slack.js';

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
});
