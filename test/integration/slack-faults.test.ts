// `perfbot serve` as a child process against the Slack fake with injected faults and a private
// real Redis:
//  1. auth.test failing (500) at start: perfbot listens, webhooks answer 202 and incidents are
//     stored; the failure is logged once; when Slack answers again every incident gets its root.
//  2. 3×429 (Retry-After 2) and 5×500 on chat.postMessage while 20 incidents open: every one of
//     them is in a root or digest within 10 s of Slack's last failure (an outcome with a
//     generous bound, not a timing benchmark), no incident twice, every failure logged and
//     counted by method and outcome in /metrics.
//  3. A root posted but answered 500: looked up by its marker before posting again → one copy.
//  4. A start that fails (port taken) ends the process instead of leaving it hanging on Redis.
import { createServer, type Server } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncidentStore } from '../../src/incidents/store.js';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../src/redis/embedded.js';
import { FakeSlack } from '../fakes/slack.js';
import { ensureBuilt, type PerfbotProcess, startPerfbot } from '../support/perfbot-process.js';
import { skipWithout } from '../support/servers.js';
import { openDrillIncident, slackServeEnv, waitUntil } from './slack-harness.js';

const TOKEN = 'faults-webhook-token';
const CHANNEL = 'C0FAULTS';

describe.skipIf(skipWithout('redis-server'))('Slack faults, perfbot as a process', () => {
  let redisServer: EmbeddedRedis;
  let redis: Redis;
  let incidents: IncidentStore;
  let fake: FakeSlack;
  let bot: PerfbotProcess;
  let env: Record<string, string>;
  let group = 0;

  beforeAll(async () => {
    await ensureBuilt();
    redisServer = await startEmbeddedRedis();
    redis = new Redis(redisServer.url);
    incidents = new IncidentStore({ redis });
    fake = await new FakeSlack().start();
    env = slackServeEnv({
      redisUrl: redisServer.url,
      fake,
      webhookToken: TOKEN,
      channel: CHANNEL,
      signingSecret: 'faults-signing-secret',
    });
  }, 240_000);

  afterAll(async () => {
    await bot?.stop();
    await fake?.stop();
    redis?.disconnect();
    await redisServer?.stop();
  });

  /** Opens one incident (a new Alertmanager group no playbook takes); returns its id. */
  function openIncident(): Promise<string> {
    return openDrillIncident(bot.url, TOKEN, { name: 'FaultDrill', tag: 'g', fingerprint: 'fault' }, group++);
  }

  /** Incidents whose thread is a message the fake holds. */
  async function delivered(ids: string[]): Promise<string[]> {
    const out: string[] = [];
    for (const id of ids) {
      const thread = (await incidents.get(id))?.thread;
      if (thread && fake.messages.has(`${thread.channel}/${thread.ts}`)) out.push(id);
    }
    return out;
  }

  /** Roots of the channel that name the incident (its own root, or a digest listing it). */
  const rootsNaming = (id: string) =>
    fake.roots(CHANNEL).filter((m) => JSON.stringify(m.blocks).includes(id) || m.text.includes(id));

  async function metric(method: string, outcome: string): Promise<number> {
    const text = await (await fetch(`${bot.url}/metrics`)).text();
    const re = new RegExp(
      `perfbot_slack_api_calls_total\\{method="${method.replaceAll('.', '\\.')}",outcome="${outcome}"\\} (\\d+)`,
    );
    return Number(re.exec(text)?.[1] ?? 0);
  }

  it('auth.test failing at start: serves webhooks, stores incidents, and posts them once Slack answers', {
    timeout: 120_000,
  }, async () => {
    fake.inject({ method: 'auth.test', status: 500, times: Number.POSITIVE_INFINITY });
    bot = await startPerfbot(env, ['--no-worker']);
    const ids = [await openIncident(), await openIncident(), await openIncident()];
    for (const id of ids) expect((await incidents.get(id))?.status).toBe('open');
    // Held, not attempted: nothing was posted while Slack was down.
    await new Promise((r) => setTimeout(r, 1500));
    expect(fake.calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(0);
    expect(bot.output().match(/slack: unavailable at start-up/g)).toHaveLength(1);
    expect(await metric('auth.test', 'http_5xx')).toBeGreaterThanOrEqual(1);

    fake.clearFaults();
    await waitUntil(
      async () => (await delivered(ids)).length === ids.length,
      'every root after recovery',
      60_000,
    );
    expect(bot.output()).toContain('slack: reachable again');
    for (const id of ids) expect(rootsNaming(id)).toHaveLength(1);
  });

  it('3×429 + 5×500: the channel’s other incidents are delivered within 10 s of Slack recovering', {
    timeout: 180_000,
  }, async () => {
    const before = fake.calls.length;
    fake.inject({ method: 'chat.postMessage', status: 429, retryAfterSec: 2, times: 3 });
    fake.inject({ method: 'chat.postMessage', status: 500, times: 5 });
    const ids = await Promise.all(Array.from({ length: 20 }, () => openIncident()));
    await waitUntil(() => fake.pendingFaults === 0, 'all eight faults to be hit', 120_000);
    const failed = fake.calls.slice(before).filter((c) => c.status === 429 || c.status === 500);
    expect(failed.map((c) => c.status)).toEqual([429, 429, 429, 500, 500, 500, 500, 500]);
    const recoveredAt = Math.max(...failed.map((c) => c.at));
    await waitUntil(async () => (await delivered(ids)).length === ids.length, 'all 20 delivered', 60_000);
    const deliveredAfterMs = Date.now() - recoveredAt;
    console.log(
      `faults: 3×429 + 5×500 over ${Math.round((recoveredAt - (failed[0]?.at ?? 0)) / 100) / 10} s; ` +
        `all 20 incidents delivered ${deliveredAfterMs} ms after the last failure ` +
        `(retries at +${failed.map((c) => ((c.at - (failed[0]?.at ?? 0)) / 1000).toFixed(1)).join(', +')} s)`,
    );
    expect(deliveredAfterMs).toBeLessThanOrEqual(10_000);
    for (const id of ids) expect(rootsNaming(id)).toHaveLength(1);

    // Every failure logged and counted, by method and outcome.
    expect(await metric('chat.postMessage', 'ratelimited')).toBe(3);
    expect(await metric('chat.postMessage', 'http_5xx')).toBe(5);
    const logged = bot.output().match(/"msg":"slack call failed"/g) ?? [];
    expect(logged.length).toBeGreaterThanOrEqual(8);
  });

  it('a root posted but answered 500 is looked up, not posted twice', { timeout: 60_000 }, async () => {
    fake.inject({ method: 'chat.postMessage', status: 500, commit: true });
    const id = await openIncident();
    await waitUntil(async () => (await delivered([id])).length === 1, 'the root', 30_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(rootsNaming(id)).toHaveLength(1);
    const fiveHundred = fake.calls.findLast((c) => c.method === 'chat.postMessage' && c.status === 500);
    const lookup = fake.calls.find(
      (c) => c.method === 'conversations.history' && c.at >= (fiveHundred?.at ?? 0),
    );
    expect(lookup).toBeDefined();
    console.log(
      `posted-then-500: looked up ${(lookup?.at ?? 0) - (fiveHundred?.at ?? 0)} ms after the 500 (a post Slack commits later than that would be duplicated)`,
    );
  });

  it('a start that fails (its port taken) ends the process instead of hanging', {
    timeout: 90_000,
  }, async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startPerfbot({ ...env, PORT: String(port) }, ['--no-worker'])).rejects.toThrow(
        /perfbot exited \(1\)/,
      );
    } finally {
      blocker.close();
    }
  });
});
