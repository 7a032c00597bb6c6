import { describe, expect, it } from 'vitest';
import { IncidentThreads } from '../../src/chat/incident-threads.js';
import type { ChatMessage } from '../../src/chat/message.js';
import type { ChatRefs } from '../../src/chat/refs.js';
import type { ChartFile, ChatSink, MessageRef } from '../../src/chat/sink.js';
import type { Incident, ThreadRef } from '../../src/incidents/types.js';
import { silentLogger } from '../../src/log.js';
import { PlaybookCatalog } from '../../src/playbooks/catalog.js';

const now = () => new Date('2026-01-01T12:10:00.000Z');

class RecordingSink implements ChatSink {
  readonly kind = 'terminal' as const;
  readonly written: { op: string; channel: string; ts: string; msg: ChatMessage }[] = [];
  private seq = 0;
  async post(
    channel: string,
    threadTs: string | undefined,
    render: () => Promise<ChatMessage> | ChatMessage,
  ): Promise<MessageRef> {
    const ts = `${++this.seq}.0`;
    this.written.push({ op: threadTs ? 'reply' : 'post', channel, ts, msg: await render() });
    return { channel, ts };
  }
  async postRoot<T>(channel: string, item: T, render: (items: T[]) => Promise<ChatMessage> | ChatMessage) {
    return { ref: await this.post(channel, undefined, () => render([item])), shared: 1 };
  }
  async update(ref: MessageRef, render: () => Promise<ChatMessage> | ChatMessage): Promise<void> {
    this.written.push({ op: 'update', channel: ref.channel, ts: ref.ts, msg: await render() });
  }
  async upload(_c: string, _t: string, _f: ChartFile): Promise<void> {}
  async ephemeral(): Promise<void> {}
  async idle(): Promise<void> {}
  link(ref: MessageRef): string {
    return `https://x/${ref.channel}/${ref.ts}`;
  }
}

function incident(id: string, openedAt: string, thread?: ThreadRef): Incident {
  return {
    id,
    source: 'alertmanager',
    group: id,
    playbookId: null,
    trigger: null,
    title: `Alert ${id}`,
    status: 'open',
    openedAt,
    startedAt: openedAt,
    updatedAt: openedAt,
    alertCount: 1,
    firingCount: 1,
    repeats: 0,
    alerts: [],
    ...(thread ? { thread } : {}),
  };
}

function setup(incidents: Incident[]) {
  const byId = new Map(incidents.map((i) => [i.id, i]));
  const sink = new RecordingSink();
  const store = {
    get: async (id: string) => byId.get(id),
    setThread: async (id: string, channel: string, ts: string) => {
      const i = byId.get(id);
      if (!i) return undefined;
      if (i.thread) return { thread: i.thread, created: false };
      i.thread = { channel, ts };
      return { thread: i.thread, created: true };
    },
  };
  const pending = new Set<string>();
  const refs = {
    digestMembers: async () => [],
    addDigestMembers: async () => {},
    markRootsPending: async (ids: string[]) => {
      for (const id of ids) pending.add(id);
    },
    renewRootsPending: async () => {},
    clearRootPending: async (id: string) => pending.delete(id),
    // As if the replica that owed these died: their leases ran out.
    claimExpiredRoots: async () => [...pending],
  } as unknown as ChatRefs;
  const threads = new IncidentThreads({
    sink,
    incidents: store,
    catalog: new PlaybookCatalog([]),
    defaultChannel: 'C0INC',
    refs,
    log: silentLogger,
    now,
    threadWaitMs: 0,
  });
  return { sink, threads, byId, pending };
}

describe('incident threads', () => {
  it('an owed root is recorded before the event is acknowledged and cleared once the thread is recorded', async () => {
    const { threads, byId, pending } = setup([incident('inc-owed-1', '2026-01-01T12:00:00.000Z')]);
    await threads.accept({ type: 'opened', incidentId: 'inc-owed-1' });
    expect(pending.has('inc-owed-1')).toBe(true);
    await threads.idle();
    expect(byId.get('inc-owed-1')?.thread).toEqual({ channel: 'C0INC', ts: '1.0' });
    expect(pending.has('inc-owed-1')).toBe(false);
  });

  it('sweep posts the roots a dead replica owed, open or resolved, and none twice', async () => {
    const { sink, threads, byId, pending } = setup([
      incident('inc-orphan-1', '2026-01-01T12:00:00.000Z'),
      incident('inc-orphan-2', '2026-01-01T12:00:00.000Z'),
    ]);
    Object.assign(byId.get('inc-orphan-2') as Incident, {
      status: 'resolved',
      firingCount: 0,
      durationMs: 60_000,
    });
    pending.add('inc-orphan-1').add('inc-orphan-2');
    expect(await threads.sweep()).toBe(2);
    await threads.idle();
    expect(await threads.sweep()).toBe(0);
    await threads.idle();
    const posts = sink.written.filter((w) => w.op === 'post').map((w) => w.msg.summary);
    expect(posts).toHaveLength(2);
    expect(posts).toEqual(
      expect.arrayContaining([
        expect.stringContaining('inc-orphan-1'),
        expect.stringContaining('inc-orphan-2'),
      ]),
    );
    expect(byId.get('inc-orphan-2')?.thread).toBeDefined();
  });

  it('a replica that loses the setThread race turns its root into a pointer to the winner', async () => {
    const { sink, threads, byId } = setup([incident('inc-race-1', '2026-01-01T12:00:00.000Z')]);
    const store = byId.get('inc-race-1') as Incident;
    // Another replica records its thread while ours is being posted.
    const post = sink.post.bind(sink);
    sink.post = async (c, t, r) => {
      const ref = await post(c, t, r);
      store.thread = { channel: 'C0INC', ts: '777.0' };
      return ref;
    };
    threads.handle({ type: 'opened', incidentId: 'inc-race-1' });
    await threads.idle();
    const pointer = sink.written.find((w) => w.op === 'update');
    expect(pointer?.ts).toBe('1.0');
    expect(pointer?.msg.parts).toEqual([
      { kind: 'link', label: 'This incident continues in another thread', url: 'https://x/C0INC/777.0' },
    ]);
  });

  it('later events edit the root and resolution replies in the thread', async () => {
    const { sink, threads, byId } = setup([incident('inc-life-1', '2026-01-01T12:00:00.000Z')]);
    threads.handle({ type: 'opened', incidentId: 'inc-life-1' });
    threads.handle({ type: 'repeated', incidentId: 'inc-life-1' });
    await threads.idle();
    Object.assign(byId.get('inc-life-1') as Incident, {
      status: 'resolved',
      durationMs: 600_000,
      firingCount: 0,
    });
    threads.handle({ type: 'resolved', incidentId: 'inc-life-1' });
    await threads.idle();
    expect(sink.written.map((w) => w.op).sort()).toEqual(['post', 'reply', 'update', 'update']);
    expect(sink.written.find((w) => w.op === 'reply')?.msg.summary).toBe(
      'Resolved: Alert inc-life-1 — all 1 alert resolved after 10m.',
    );
    const edits = sink.written.filter((w) => w.op === 'update');
    expect(edits.every((e) => e.ts === '1.0')).toBe(true);
    expect(edits.at(-1)?.msg.summary).toMatch(/^Resolved: Alert inc-life-1 — resolved after 10m/);
  });
});
