// The Slack ChatSink: every channel write goes through the per-channel queue (paced, coalesced,
// retried without holding the channel). The WebClient given here makes one attempt per call
// (no retries of its own, 429 rejected at once) so the queue decides what happens next.
//
// A post Slack answered with a 5xx or a timeout may still have been posted. Each post carries
// an invisible marker (message metadata); before such a post is made again the channel (or
// thread) is searched for the marker, and a message found there is used instead of a second
// copy. Ephemeral replies skip the queue: they answer a click and are per user.
import { randomBytes } from 'node:crypto';
import type { webApi } from '@slack/bolt';
import type { Logger } from '../../log.js';
import type { ChatMessage } from '../message.js';
import type { ChartFile, ChatSink, MessageRef } from '../sink.js';
import { classifySlackError } from './api-calls.js';
import { renderSlack } from './blocks.js';
import { ChannelQueue } from './channel-queue.js';

export interface SlackSinkOptions {
  /** One attempt per call: `retryConfig: { retries: 0 }`, `rejectRateLimitedCalls: true`. */
  client: webApi.WebClient;
  /** For ephemeral replies, which skip the queue: a client with a few quick retries of its own. */
  replyClient?: webApi.WebClient;
  log: Logger;
  queue?: ChannelQueue;
  /** Workspace URL from auth.test, for permalinks; slack.com redirects otherwise. */
  teamUrl?: string | undefined;
  now?: () => number;
}

/** Metadata event type of perfbot's posts (the marker that finds a post after a 5xx). */
export const POST_MARKER_EVENT = 'perfbot_post';
// Slack's clock and ours differ; search this far back from when we sent the post.
const LOOKBACK_MS = 60_000;

interface Uncertain {
  marker: string;
  sentAt: number;
}

interface UncertainRoot extends Uncertain {
  /** Items not yet handed their ref. */
  items: unknown[];
  total: number;
  /** The lookup's answer, once made: the message, or null (not posted). */
  found?: MessageRef | null;
}

export class SlackSink implements ChatSink {
  readonly kind = 'slack' as const;
  readonly queue: ChannelQueue;
  private readonly client: webApi.WebClient;
  private readonly replyClient: webApi.WebClient;
  private readonly log: Logger;
  private readonly now: () => number;
  private teamUrl: string;
  /** Root posts whose outcome is unknown, per channel, with the items they carried. */
  private readonly uncertainRoots = new Map<string, UncertainRoot[]>();
  private lookupUnavailable = false;

  constructor(options: SlackSinkOptions) {
    this.client = options.client;
    this.replyClient = options.replyClient ?? options.client;
    this.log = options.log;
    this.now = options.now ?? Date.now;
    this.queue = options.queue ?? new ChannelQueue({ classify: classifySlackError });
    this.teamUrl = slashed(options.teamUrl ?? 'https://slack.com/');
  }

  /** auth.test answered late (Slack was down at start): links use the workspace URL from now on. */
  setTeamUrl(url: string | undefined): void {
    if (url) this.teamUrl = slashed(url);
  }

  post(
    channel: string,
    threadTs: string | undefined,
    render: () => Promise<ChatMessage> | ChatMessage,
  ): Promise<MessageRef> {
    let uncertain: Uncertain | undefined;
    return this.queue.enqueue(channel, {
      order: threadTs === undefined ? undefined : `thread:${threadTs}`,
      run: async () => {
        if (uncertain) {
          const found = await this.findPosted(channel, threadTs, uncertain);
          uncertain = undefined;
          if (found) return found;
        }
        const marker = newMarker();
        const sentAt = this.now();
        try {
          return await this.postNow(channel, threadTs, render, marker);
        } catch (err) {
          if (isAmbiguous(err)) uncertain = { marker, sentAt };
          throw err;
        }
      },
    });
  }

  postRoot<T>(
    channel: string,
    item: T,
    render: (items: T[]) => Promise<ChatMessage> | ChatMessage,
  ): Promise<{ ref: MessageRef; shared: number }> {
    return this.queue.enqueueBatch(channel, {
      batch: 'roots',
      item,
      runBatch: async (items: T[]) => {
        const settled = await this.settleUncertainRoots(channel, items);
        const rest = items.filter((i) => !settled.has(i));
        if (rest.length > 0) {
          const marker = newMarker();
          const sentAt = this.now();
          try {
            const ref = await this.postNow(channel, undefined, () => render(rest), marker);
            for (const i of rest) settled.set(i, { ref, shared: rest.length });
          } catch (err) {
            if (isAmbiguous(err))
              this.rootsOf(channel).push({ marker, sentAt, items: rest, total: rest.length });
            throw err;
          }
        }
        return items.map((i) => settled.get(i) as { ref: MessageRef; shared: number });
      },
    });
  }

  update(ref: MessageRef, render: () => Promise<ChatMessage> | ChatMessage): Promise<void> {
    return this.queue.enqueue(ref.channel, {
      key: `update:${ref.ts}`,
      low: true,
      run: async () => {
        const msg = renderSlack(await render());
        await this.client.chat.update({
          channel: ref.channel,
          ts: ref.ts,
          text: msg.text,
          blocks: msg.blocks,
        });
      },
    });
  }

  upload(channel: string, threadTs: string, file: ChartFile): Promise<void> {
    return this.queue.enqueue(channel, {
      order: `thread:${threadTs}`,
      run: async () => {
        await this.client.files.uploadV2({
          channel_id: channel,
          thread_ts: threadTs,
          file: file.data,
          filename: file.filename,
          title: file.title,
          alt_text: file.altText,
        });
      },
    });
  }

  async ephemeral(channel: string, user: string, msg: ChatMessage): Promise<void> {
    const rendered = renderSlack(msg);
    await this.replyClient.chat.postEphemeral({
      channel,
      user,
      text: rendered.text,
      blocks: rendered.blocks,
    });
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  /**
   * Backpressure for the incident-event reader: resolves once fewer than `limit` writes wait.
   * Awaited between events, it keeps a storm's backlog in the Redis stream (durable, and read
   * by whichever replica has room) rather than in memory.
   */
  room(limit = 2000): Promise<void> {
    return this.queue.waitBelow(limit);
  }

  /** Shutdown: what is queued gets `graceMs` to go out; the rest is refused (and logged). */
  async close(graceMs: number): Promise<void> {
    const dropped = await this.queue.close(graceMs);
    if (dropped > 0)
      this.log.warn(
        { dropped, graceMs },
        'slack: shutting down with messages not sent (Slack did not take them)',
      );
  }

  link(ref: MessageRef): string {
    return `${this.teamUrl}archives/${ref.channel}/p${ref.ts.replace('.', '')}`;
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
  private async settleUncertainRoots<T>(
    channel: string,
    items: T[],
  ): Promise<Map<T, { ref: MessageRef; shared: number }>> {
    const settled = new Map<T, { ref: MessageRef; shared: number }>();
    const list = this.uncertainRoots.get(channel);
    if (!list) return settled;
    const wanted = new Set<unknown>(items);
    for (const u of [...list]) {
      if (!u.items.some((i) => wanted.has(i))) continue;
      if (u.found === undefined) {
        u.found = (await this.findPosted(channel, undefined, u)) ?? null; // a throw: retried later
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
    return settled;
  }

  /** Searches the channel (or thread) for a post carrying `marker`. */
  private async findPosted(
    channel: string,
    threadTs: string | undefined,
    u: Uncertain,
  ): Promise<MessageRef | undefined> {
    if (this.lookupUnavailable) return undefined;
    const oldest = ((u.sentAt - LOOKBACK_MS) / 1000).toFixed(6);
    const args = { channel, oldest, limit: 200, include_all_metadata: true };
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
      this.lookupUnavailable = true;
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

  private async postNow(
    channel: string,
    threadTs: string | undefined,
    render: () => Promise<ChatMessage> | ChatMessage,
    marker: string,
  ): Promise<MessageRef> {
    const msg = renderSlack(await render());
    const res = await this.client.chat.postMessage({
      channel,
      text: msg.text,
      blocks: msg.blocks,
      ...(threadTs ? { thread_ts: threadTs } : {}),
      unfurl_links: false,
      metadata: { event_type: POST_MARKER_EVENT, event_payload: { marker } },
    });
    if (!res.ts) throw new Error('chat.postMessage returned no ts');
    return { channel: res.channel ?? channel, ts: res.ts };
  }
}

function isAmbiguous(err: unknown): boolean {
  const v = classifySlackError(err);
  return v.kind === 'retry' && v.ambiguous;
}

function newMarker(): string {
  return randomBytes(9).toString('base64url');
}

function slashed(url: string): string {
  return url.replace(/\/?$/, '/');
}
