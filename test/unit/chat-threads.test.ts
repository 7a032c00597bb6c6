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
  const refs = { digestMembers: async () => [], addDigestMembers: async () => {} } as unknown as ChatRefs;
  const threads = new IncidentThreads({
    sink,
    incidents: store,
    catalog: new PlaybookCatalog([]),
    defaultChannel: 'C0INC',
    refs,
    diagnosis: { diagnose: async () => Promise.reject(new Error('no playbook here')) },
    log: silentLogger,
    now,
    threadWaitMs: 0,
  });
  return { sink, threads, byId };
}

describe('incident threads', () => {
  it('reconcile posts the roots of open incidents that lost their opened event, not of young or threaded ones', async () => {
    const { sink, threads, byId } = setup([
      incident('inc-old-1', '2026-01-01T12:00:00.000Z'),
      incident('inc-young-1', '2026-01-01T12:09:30.000Z'),
      incident('inc-done-1', '2026-01-01T12:00:00.000Z', { channel: 'C0INC', ts: '9.0' }),
    ]);
    const n = await threads.reconcile(async () => [...byId.values()]);
    await threads.idle();
    expect(n).toBe(1);
    expect(sink.written.filter((w) => w.op === 'post').map((w) => w.msg.summary)).toEqual([
      expect.stringContaining('Alert inc-old-1'),
    ]);
    expect(byId.get('inc-old-1')?.thread).toEqual({ channel: 'C0INC', ts: '1.0' });
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
