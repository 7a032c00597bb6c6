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
import { POST_MARKER_EVENT, PostLookup, type RootAttempts, type Uncertain } from './post-lookup.js';

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
  /** Root posts recorded before they are sent, so one made just before a crash is found (Redis). */
  rootAttempts?: RootAttempts | undefined;
}

export class SlackSink implements ChatSink {
  readonly kind = 'slack' as const;
  readonly queue: ChannelQueue;
  private readonly client: webApi.WebClient;
  private readonly replyClient: webApi.WebClient;
  private readonly log: Logger;
  private readonly now: () => number;
  private teamUrl: string;
  private readonly lookup: PostLookup;

  constructor(options: SlackSinkOptions) {
    this.client = options.client;
    this.replyClient = options.replyClient ?? options.client;
    this.log = options.log;
    this.now = options.now ?? Date.now;
    this.queue = options.queue ?? new ChannelQueue({ classify: classifySlackError });
    this.teamUrl = slashed(options.teamUrl ?? 'https://slack.com/');
    this.lookup = new PostLookup(this.client, this.log, options.rootAttempts);
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
          const found = await this.lookup.find(channel, threadTs, uncertain);
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
        const settled = await this.lookup.settleRoots(channel, items);
        const rest = items.filter((i) => !settled.has(i));
        if (rest.length > 0) {
          const marker = newMarker();
          const sentAt = this.now();
          await this.lookup.recordRoot({ channel, marker, sentAt, total: rest.length }, rest);
          try {
            const ref = await this.postNow(channel, undefined, () => render(rest), marker);
            for (const i of rest) settled.set(i, { ref, shared: rest.length });
          } catch (err) {
            if (isAmbiguous(err))
              this.lookup.rememberRoot(channel, { marker, sentAt, items: rest, total: rest.length });
            else await this.lookup.notPosted(rest);
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
