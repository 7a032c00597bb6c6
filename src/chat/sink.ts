// Where incident threads are written: Slack (src/chat/slack/sink.ts) or, without credentials,
// the terminal (src/chat/terminal-sink.ts). Messages are rendered lazily — `render` runs when
// the write actually happens — so a write that waited behind Slack's rate limit shows the
// newest state, and coalesced updates cost one call.
import type { ChatMessage } from './message.js';

export interface MessageRef {
  channel: string;
  ts: string;
}

export interface ChartFile {
  filename: string;
  title: string;
  altText: string;
  data: Buffer;
}

export interface ChatSink {
  readonly kind: 'slack' | 'terminal';
  /** A new message; in a thread when `threadTs` is set. */
  post(
    channel: string,
    threadTs: string | undefined,
    render: () => Promise<ChatMessage> | ChatMessage,
  ): Promise<MessageRef>;
  /**
   * A root message for one of possibly many items arriving at once (an alert storm): items
   * still waiting when the channel is free are rendered together into one message, and every
   * caller gets that message's ref and how many items share it.
   */
  postRoot<T>(
    channel: string,
    item: T,
    render: (items: T[]) => Promise<ChatMessage> | ChatMessage,
  ): Promise<{ ref: MessageRef; shared: number }>;
  /** Edits a message; pending edits of the same message collapse into the newest. */
  update(ref: MessageRef, render: () => Promise<ChatMessage> | ChatMessage): Promise<void>;
  upload(channel: string, threadTs: string, file: ChartFile): Promise<void>;
  /** Visible to one user only (refused button clicks). */
  ephemeral(channel: string, user: string, msg: ChatMessage): Promise<void>;
  /** Everything queued has been written. */
  idle(): Promise<void>;
  /** A link a person can click to reach the message. */
  link(ref: MessageRef): string;
}
