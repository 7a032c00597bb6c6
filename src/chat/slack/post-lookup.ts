// Finding a post Slack answered with an error. A 5xx, a timeout or a reset does not say whether
// the message was posted; each post carries a marker in its metadata, and before it is made
// again the channel (conversations.history) or thread (conversations.replies) is searched for
// that marker. Root posts carry several incidents: the answer is kept per item, so items of an
// uncertain post that wait for a later batch get the message found for them too.
//
// A crash leaves the same doubt with nobody remembering it: a root posted just before perfbot
// was killed, its thread never recorded. So each root post's marker is also recorded in Redis
// per incident before it is sent (RootAttempts), and a root owed after a restart (or by
// another replica) is searched for first.
import type { webApi } from '@slack/bolt';
import type { Logger } from '../../log.js';
import type { RootAttempt } from '../refs.js';
import type { MessageRef } from '../sink.js';
import { classifySlackError } from './api-calls.js';

/** Where root posts are recorded before they are sent (ChatRefs in Redis). */
export interface RootAttempts {
  recordRootAttempt(ids: readonly string[], attempt: RootAttempt): Promise<void>;
  rootAttempts(ids: readonly string[]): Promise<Map<string, RootAttempt>>;
  forgetRootAttempts(ids: readonly string[]): Promise<void>;
}

/** Metadata event type of perfbot's posts (the marker that finds a post after a 5xx). */
export const POST_MARKER_EVENT = 'perfbot_post';
// Slack's clock and ours differ; search this far back from when we sent the post.
const LOOKBACK_MS = 60_000;

export interface Uncertain {
  marker: string;
  sentAt: number;
}

export interface UncertainRoot extends Uncertain {
  /** Items not yet handed their ref. */
  items: unknown[];
  total: number;
  /** The lookup's answer, once made: the message, or null (not posted). */
  found?: MessageRef | null;
}

export class PostLookup {
  /** Root posts whose outcome is unknown, per channel, with the items they carried. */
  private readonly uncertainRoots = new Map<string, UncertainRoot[]>();
  /** Recorded markers already searched for: the message, or null (not posted). */
  private readonly searched = new Map<string, MessageRef | null>();
  private unavailable = false;

  constructor(
    private readonly client: webApi.WebClient,
    private readonly log: Logger,
    private readonly attempts?: RootAttempts,
  ) {}

  /**
   * Before a root post: records which post carries these items (only string items: incident
   * ids). A Redis failure here costs only the look-up after a crash, so the post goes on.
   */
  async recordRoot(attempt: RootAttempt, items: readonly unknown[]): Promise<void> {
    const ids = items.filter((i): i is string => typeof i === 'string');
    if (!this.attempts || ids.length === 0) return;
    try {
      await this.attempts.recordRootAttempt(ids, attempt);
    } catch (err) {
      this.log.warn({ err }, 'slack: could not record a root post (a crash now may duplicate it)');
    }
  }

  /** Slack answered that the post was not made: no later search for it. */
  async notPosted(items: readonly unknown[]): Promise<void> {
    const ids = items.filter((i): i is string => typeof i === 'string');
    if (!this.attempts || ids.length === 0) return;
    await this.attempts.forgetRootAttempts(ids).catch(() => {}); // at worst, one needless search
  }

  rememberRoot(channel: string, root: UncertainRoot): void {
    this.rootsOf(channel).push(root);
  }

  private rootsOf(channel: string): UncertainRoot[] {
    let list = this.uncertainRoots.get(channel);
    if (!list) {
      list = [];
      this.uncertainRoots.set(channel, list);
    }
    return list;
  }

  /** Items of this batch that an earlier, unanswered root post did deliver, with its ref. */
  async settleRoots<T>(channel: string, items: T[]): Promise<Map<T, { ref: MessageRef; shared: number }>> {
    const settled = new Map<T, { ref: MessageRef; shared: number }>();
    const handled = new Set<unknown>();
    await this.settleInMemory(channel, items, settled, handled);
    await this.settleRecorded(
      channel,
      items.filter((i) => !handled.has(i)),
      settled,
    );
    return settled;
  }

  /** Items of a root post this process saw answered with an error. */
  private async settleInMemory<T>(
    channel: string,
    items: T[],
    settled: Map<T, { ref: MessageRef; shared: number }>,
    handled: Set<unknown>,
  ): Promise<void> {
    const list = this.uncertainRoots.get(channel);
    if (!list) return;
    const wanted = new Set<unknown>(items);
    for (const u of [...list]) {
      if (!u.items.some((i) => wanted.has(i))) continue;
      for (const i of u.items) if (wanted.has(i)) handled.add(i);
      if (u.found === undefined) {
        u.found = (await this.find(channel, undefined, u)) ?? null; // a throw: retried later
        if (u.found)
          this.log.info(
            { channel, ts: u.found.ts, incidents: u.total },
            'slack: a root post answered with an error had been posted; not posting it again',
          );
      }
      const found = u.found;
      if (found)
        for (const i of u.items) if (wanted.has(i)) settled.set(i as T, { ref: found, shared: u.total });
      // Items beyond this batch (more waiting than one digest takes) keep the answer for later.
      u.items = found ? u.items.filter((i) => !wanted.has(i)) : [];
      if (u.items.length === 0) list.splice(list.indexOf(u), 1);
    }
    if (list.length === 0) this.uncertainRoots.delete(channel);
  }

  /** Items with a root post recorded in Redis (by a process that died before recording its thread). */
  private async settleRecorded<T>(
    channel: string,
    items: T[],
    settled: Map<T, { ref: MessageRef; shared: number }>,
  ): Promise<void> {
    const ids = items.filter((i): i is T & string => typeof i === 'string');
    if (!this.attempts || ids.length === 0) return;
    const recorded = await this.attempts.rootAttempts(ids); // a throw: the batch is retried
    for (const id of ids) {
      const a = recorded.get(id);
      if (!a || a.channel !== channel) continue;
      let found = this.searched.get(a.marker);
      if (found === undefined) {
        found = (await this.find(channel, undefined, a)) ?? null;
        this.searched.set(a.marker, found);
        if (this.searched.size > 1000) this.searched.delete(this.searched.keys().next().value as string);
        if (found)
          this.log.info(
            { channel, ts: found.ts, incidents: a.total },
            'slack: a root post made before a restart had been posted; not posting it again',
          );
      }
      if (found) settled.set(id, { ref: found, shared: a.total });
    }
  }

  /** Searches the channel (or thread) for a post carrying `marker`. */
  async find(channel: string, threadTs: string | undefined, u: Uncertain): Promise<MessageRef | undefined> {
    if (this.unavailable) return undefined;
    const oldest = ((u.sentAt - LOOKBACK_MS) / 1000).toFixed(6);
    const latest = ((u.sentAt + LOOKBACK_MS) / 1000).toFixed(6);
    const args = { channel, oldest, latest, limit: 200, include_all_metadata: true };
    let messages: { ts?: string; metadata?: { event_type?: string; event_payload?: unknown } }[];
    try {
      const res = threadTs
        ? await this.client.conversations.replies({ ...args, ts: threadTs })
        : await this.client.conversations.history(args);
      messages = (res.messages ?? []) as typeof messages;
    } catch (err) {
      const verdict = classifySlackError(err);
      if (verdict.kind === 'retry' || verdict.kind === 'unavailable') throw err;
      // No history scope (channels:history / groups:history), or not in the channel.
      this.unavailable = true;
      this.log.warn(
        { err, channel },
        'slack: cannot look up posts answered with an error (add the channels:history and groups:history scopes); such posts may be duplicated',
      );
      return undefined;
    }
    const hit = messages.find(
      (m) =>
        m.metadata?.event_type === POST_MARKER_EVENT &&
        (m.metadata.event_payload as { marker?: unknown } | undefined)?.marker === u.marker,
    );
    return hit?.ts ? { channel, ts: hit.ts } : undefined;
  }
}
