// A root post made just before a crash: the sink records each root post's marker per incident
// (RootAttempts) before sending it, and a later sink — another process, sharing only the
// record — searches the channel for it before posting the root again. Against the Slack fake
// over HTTP (the real WebClient), with the record kept in memory.
import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RootAttempt } from '../../src/chat/refs.js';
import { classifySlackError } from '../../src/chat/slack/api-calls.js';
import { ChannelQueue } from '../../src/chat/slack/channel-queue.js';
import type { RootAttempts } from '../../src/chat/slack/post-lookup.js';
import { SlackSink } from '../../src/chat/slack/sink.js';
import { silentLogger } from '../../src/log.js';
import { FakeSlack } from '../fakes/slack.js';

class MemoryAttempts implements RootAttempts {
  readonly recorded = new Map<string, RootAttempt>();
  readonly forgotten: string[] = [];
  async recordRootAttempt(ids: readonly string[], attempt: RootAttempt): Promise<void> {
    for (const id of ids) this.recorded.set(id, attempt);
  }
  async rootAttempts(ids: readonly string[]): Promise<Map<string, RootAttempt>> {
    const out = new Map<string, RootAttempt>();
    for (const id of ids) {
      const a = this.recorded.get(id);
      if (a) out.set(id, a);
    }
    return out;
  }
  async forgetRootAttempts(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      this.recorded.delete(id);
      this.forgotten.push(id);
    }
  }
}

let fake: FakeSlack;
beforeAll(async () => {
  fake = await new FakeSlack().start();
});
afterAll(async () => {
  await fake.stop();
});

function sink(attempts: RootAttempts | undefined): SlackSink {
  const client = new webApi.WebClient(fake.token, {
    slackApiUrl: fake.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 60_000,
  });
  const queue = new ChannelQueue({ classify: classifySlackError, intervalMs: 1, burst: 100 });
  return new SlackSink({ client, log: silentLogger, queue, rootAttempts: attempts });
}

const digest = (ids: string[]) => ({ summary: `${ids.length} incidents: ${ids.join(', ')}`, parts: [] });
const posts = (channel: string) =>
  fake.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === channel).length;

describe('root posts across a crash', () => {
  it('a root Slack took but never answered is found by the next process, not posted again', async () => {
    const attempts = new MemoryAttempts();
    const dying = sink(attempts);
    fake.inject({ method: 'chat.postMessage', commit: true, hang: true });
    // Two incidents in one root (held, so they go together); the answer never comes (the
    // process "dies" here).
    dying.queue.hold();
    void dying.postRoot('C0CRASH', 'inc-a', digest).catch(() => {});
    void dying.postRoot('C0CRASH', 'inc-b', digest).catch(() => {});
    dying.queue.release();
    for (let i = 0; i < 200 && fake.pendingFaults > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(fake.pendingFaults).toBe(0);
    expect(posts('C0CRASH')).toBe(1);
    const posted = fake.roots('C0CRASH')[0];
    expect(attempts.recorded.get('inc-a')?.total).toBe(2);

    const next = sink(attempts);
    const [a, b] = await Promise.all([
      next.postRoot('C0CRASH', 'inc-a', digest),
      next.postRoot('C0CRASH', 'inc-b', digest),
    ]);
    expect(posts('C0CRASH')).toBe(1);
    expect(a.ref).toEqual({ channel: 'C0CRASH', ts: posted?.ts });
    expect(b.ref).toEqual(a.ref);
    expect(a.shared).toBe(2);
    // One search of the channel served both incidents.
    expect(fake.calls.filter((c) => c.method === 'conversations.history')).toHaveLength(1);
    fake.clearFaults();
    await dying.close(0);
  });

  it('a recorded root that Slack never took is posted (once)', async () => {
    const attempts = new MemoryAttempts();
    await attempts.recordRootAttempt(['inc-c'], {
      channel: 'C0LOST',
      marker: 'never-posted',
      sentAt: Date.now(),
      total: 1,
    });
    const { ref, shared } = await sink(attempts).postRoot('C0LOST', 'inc-c', digest);
    expect(shared).toBe(1);
    expect(fake.roots('C0LOST').map((m) => m.ts)).toEqual([ref.ts]);
    // The new post's own marker is what is recorded now.
    expect(attempts.recorded.get('inc-c')?.marker).not.toBe('never-posted');
  });

  it('a post Slack refused (429) is forgotten, then recorded again when it is made', async () => {
    const attempts = new MemoryAttempts();
    fake.inject({ method: 'chat.postMessage', status: 429, retryAfterSec: 0 });
    const { ref } = await sink(attempts).postRoot('C0REFUSED', 'inc-d', digest);
    expect(attempts.forgotten).toEqual(['inc-d']);
    expect(attempts.recorded.get('inc-d')?.channel).toBe('C0REFUSED');
    expect(fake.roots('C0REFUSED').map((m) => m.ts)).toEqual([ref.ts]);
  });

  it('a record that cannot be written does not stop the post', async () => {
    const broken: RootAttempts = {
      recordRootAttempt: async () => {
        throw new Error('redis away');
      },
      rootAttempts: async () => new Map(),
      forgetRootAttempts: async () => {},
    };
    const { ref } = await sink(broken).postRoot('C0NOREDIS', 'inc-e', digest);
    expect(fake.roots('C0NOREDIS').map((m) => m.ts)).toEqual([ref.ts]);
  });
});
