// The Slack ChatSink: every channel write goes through the per-channel queue (≈1 message/s,
// coalesced); the WebClient retries a 429 after Retry-After, and the queue holds the channel
// back for as long. Ephemeral replies skip the queue: they answer a click and are per user.
import { webApi } from '@slack/bolt';
import type { Logger } from '../../log.js';
import type { ChatMessage } from '../message.js';
import type { ChartFile, ChatSink, MessageRef } from '../sink.js';
import { renderSlack } from './blocks.js';
import { ChannelQueue } from './channel-queue.js';

const { WebClientEvent } = webApi;

export interface SlackSinkOptions {
  client: webApi.WebClient;
  log: Logger;
  queue?: ChannelQueue;
  /** Workspace URL from auth.test, for permalinks; slack.com redirects otherwise. */
  teamUrl?: string | undefined;
}

export class SlackSink implements ChatSink {
  readonly kind = 'slack' as const;
  readonly queue: ChannelQueue;
  private readonly client: webApi.WebClient;
  private readonly teamUrl: string;

  constructor(options: SlackSinkOptions) {
    this.client = options.client;
    this.queue = options.queue ?? new ChannelQueue();
    this.teamUrl = (options.teamUrl ?? 'https://slack.com/').replace(/\/?$/, '/');
    this.client.on(
      WebClientEvent.RATE_LIMITED,
      (retrySec: number, info: { body?: Record<string, unknown> }) => {
        const channel = info.body?.channel ?? info.body?.channel_id;
        if (typeof channel === 'string') this.queue.pause(channel, retrySec * 1000);
        options.log.warn({ retrySec, channel }, 'slack rate limited: holding the channel back');
      },
    );
  }

  post(
    channel: string,
    threadTs: string | undefined,
    render: () => Promise<ChatMessage> | ChatMessage,
  ): Promise<MessageRef> {
    return this.queue.enqueue(channel, { run: () => this.postNow(channel, threadTs, render) });
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
        const ref = await this.postNow(channel, undefined, () => render(items));
        return items.map(() => ({ ref, shared: items.length }));
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
    await this.client.chat.postEphemeral({ channel, user, text: rendered.text, blocks: rendered.blocks });
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  link(ref: MessageRef): string {
    return `${this.teamUrl}archives/${ref.channel}/p${ref.ts.replace('.', '')}`;
  }

  private async postNow(
    channel: string,
    threadTs: string | undefined,
    render: () => Promise<ChatMessage> | ChatMessage,
  ): Promise<MessageRef> {
    const msg = renderSlack(await render());
    const res = await this.client.chat.postMessage({
      channel,
      text: msg.text,
      blocks: msg.blocks,
      ...(threadTs ? { thread_ts: threadTs } : {}),
      unfurl_links: false,
    });
    if (!res.ts) throw new Error('chat.postMessage returned no ts');
    return { channel: res.channel ?? channel, ts: res.ts };
  }
}
