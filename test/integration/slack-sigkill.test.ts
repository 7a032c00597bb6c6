// SIGKILL mid-storm: `perfbot serve` as a child process on a private redis-server, Slack a
// loopback fake that lets 1 message per 2 s per channel through (429 + Retry-After beyond).
// 150 incidents (distinct Alertmanager groups) are opened through HTTP, all answered 202, in
// two halves: after the first roots are recorded, the next root post is taken by Slack but
// never answered (posted, then the connection hangs), the second half is opened behind it, and
// perfbot is SIGKILLed — with roots posted and recorded, roots posted but not recorded, and
// roots owed but never sent. perfbot is started again; within 30 s of that every incident must
// have exactly one root message in the fake (its own root or a digest): none lost, none twice,
// each incident's recorded thread being that root. The wait is a deadline, not a timing
// assertion: on failure it says which incidents are wrong and how.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncidentStore } from '../../src/incidents/store.js';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../src/redis/embedded.js';
import { type FakeMessage, FakeSlack } from '../fakes/slack.js';
import { ensureBuilt, type PerfbotProcess, startPerfbot } from '../support/perfbot-process.js';
import { skipWithout } from '../support/servers.js';
import { openDrillIncident, slackServeEnv, waitUntil } from './slack-harness.js';

const TOKEN = 'sigkill-webhook-token';
const CHANNEL = 'C0SIGKILL';
const INCIDENTS = 150;
const RESTART_DEADLINE_MS = 30_000;

describe.skipIf(skipWithout('redis-server'))('SIGKILL mid-storm, perfbot as a process', () => {
  let redisServer: EmbeddedRedis;
  let redis: Redis;
  let incidents: IncidentStore;
  let fake: FakeSlack;
  let bot: PerfbotProcess | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    await ensureBuilt();
    redisServer = await startEmbeddedRedis();
    redis = new Redis(redisServer.url);
    incidents = new IncidentStore({ redis });
    fake = await new FakeSlack({ channelRate: { perSecond: 0.5, burst: 2 } }).start();
    env = slackServeEnv({
      redisUrl: redisServer.url,
      fake,
      webhookToken: TOKEN,
      channel: CHANNEL,
      signingSecret: 'sigkill-signing-secret',
    });
  }, 240_000);

  afterAll(async () => {
    await bot?.stop();
    await fake?.stop();
    redis?.disconnect();
    await redisServer?.stop();
  });

  function openIncident(url: string, g: number): Promise<string> {
    return openDrillIncident(url, TOKEN, { name: 'KillDrill', tag: 'k', fingerprint: 'kill' }, g);
  }

  async function openMany(url: string, from: number, n: number): Promise<string[]> {
    const ids: string[] = new Array(n);
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = next++; i < n; i = next++) ids[i] = await openIncident(url, from + i);
      }),
    );
    return ids;
  }

  const textOf = (m: FakeMessage) => `${m.text}\n${JSON.stringify(m.blocks)}`;
  /** How many incidents a root says it carries: a digest's count, or its own one. */
  const carried = (m: FakeMessage) => Number(/^(\d+) incidents/.exec(m.text)?.[1] ?? 1);

  /**
   * What is still wrong. Exactly one root per incident: its recorded thread is a root message
   * of the channel, no other root names it, and every root carries exactly the incidents whose
   * thread it is (a copy posted twice is a root nobody's thread points at). A digest's list may
   * be cut ("… and N more"), so its count is what is compared.
   */
  async function problems(ids: readonly string[]): Promise<string[]> {
    const out: string[] = [];
    const roots = new Map(fake.roots(CHANNEL).map((m) => [m.ts, { m, text: textOf(m), members: 0 }]));
    for (const id of ids) {
      const thread = (await incidents.get(id))?.thread;
      const root = thread && thread.channel === CHANNEL ? roots.get(thread.ts) : undefined;
      if (!thread) out.push(`${id}: no thread recorded`);
      else if (!root) out.push(`${id}: its thread ${thread.channel}/${thread.ts} is no root in Slack`);
      else root.members++;
      for (const [ts, r] of roots)
        if (ts !== thread?.ts && r.text.includes(id)) out.push(`${id}: also named by root ${ts}`);
    }
    for (const [ts, r] of roots)
      if (r.members !== carried(r.m))
        out.push(`root ${ts} carries ${carried(r.m)} incidents; ${r.members} have it as their thread`);
    return out;
  }

  it(`${INCIDENTS} incidents, SIGKILL while Slack drains: after a restart each has exactly one root within 30 s`, {
    timeout: 240_000,
  }, async () => {
    const first = await startPerfbot(env, ['--no-worker']);
    bot = first;
    // First half: some roots go out and are recorded before the kill.
    const ids = await openMany(first.url, 0, INCIDENTS / 2);
    await waitUntil(async () => (await rootsAndThreads(ids)) >= 3, 'the first roots recorded', 60_000);
    // The next root post is taken by Slack but never answered; the second half is opened
    // while it hangs, so its roots are owed (recorded in Redis, not posted) at the kill.
    fake.inject({ method: 'chat.postMessage', commit: true, hang: true });
    await waitUntil(() => fake.pendingFaults === 0, 'a root post posted and left unanswered', 60_000);
    const second = await openMany(first.url, INCIDENTS / 2, INCIDENTS / 2);
    ids.push(...second);
    await waitUntil(
      async () => (await owed(second)) === second.length,
      'the second half owed (its opened events accepted)',
      8_000,
    );
    const before = {
      roots: fake.roots(CHANNEL).length,
      recorded: await rootsAndThreads(ids),
      owed: await owed(ids),
    };
    process.kill(first.pid, 'SIGKILL');
    await waitUntil(() => !alive(first.pid), 'the killed perfbot to be gone', 10_000);
    expect(before.recorded).toBeLessThan(INCIDENTS);

    const restartedAt = Date.now();
    bot = await startPerfbot(env, ['--no-worker']);
    const deadline = restartedAt + RESTART_DEADLINE_MS;
    let left = await problems(ids);
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      left = await problems(ids);
    }
    const tookMs = Date.now() - restartedAt;
    const rootsAfter = fake.roots(CHANNEL).length;
    console.log(
      `sigkill: ${INCIDENTS} incidents; at the kill ${before.recorded} had a recorded root, ` +
        `${before.owed} were owed (${before.roots} roots in Slack, one of them posted but unanswered); ` +
        `after the restart ${left.length} problems left ` +
        `(${rootsAfter} roots in all) after ${(tookMs / 1000).toFixed(1)} s`,
    );
    if (left.length > 0) {
      console.log(`restarted perfbot's output:\n${bot.output()}`);
      const calls = fake.calls.filter((c) => c.at >= restartedAt);
      console.log(
        calls
          .map(
            (c) =>
              `${((c.at - restartedAt) / 1000).toFixed(2)} ${c.method} ${c.status} ${String(c.args.text ?? '').slice(0, 80)}`,
          )
          .join('\n'),
      );
    }
    expect(left, `not settled within ${RESTART_DEADLINE_MS / 1000} s of the restart`).toEqual([]);
    expect(bot.output()).toContain('had been posted; not posting it again');
  });

  /** Incidents whose root is owed: recorded in Redis as pending, not yet posted and recorded. */
  async function owed(of: readonly string[]): Promise<number> {
    const scores = await redis.zmscore('perfbot:chat:roots-pending', ...of);
    return scores.filter((x) => x !== null).length;
  }

  /** Incidents whose recorded thread is a root the fake holds. */
  async function rootsAndThreads(ids: readonly string[]): Promise<number> {
    let n = 0;
    for (const id of ids) {
      const thread = (await incidents.get(id))?.thread;
      if (thread && fake.messages.has(`${thread.channel}/${thread.ts}`)) n++;
    }
    return n;
  }
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
