// Without Slack credentials, the terminal is the incident channel: every message is printed
// with the text renderer, so `perfbot serve` shows its work before anyone creates a Slack app.
// Charts are written as PNG files next to the process (a terminal cannot show them).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChatMessage } from './message.js';
import { renderPlain } from './plain.js';
import type { ChartFile, ChatSink, MessageRef } from './sink.js';

export interface TerminalSinkOptions {
  write: (text: string) => void;
  /** Where chart PNGs go; none written when undefined. */
  chartDir?: string | undefined;
  now?: () => Date;
}

export class TerminalSink implements ChatSink {
  readonly kind = 'terminal' as const;
  private seq = 0;

  constructor(private readonly options: TerminalSinkOptions) {}

  async post(
    channel: string,
    threadTs: string | undefined,
    render: () => Promise<ChatMessage> | ChatMessage,
  ): Promise<MessageRef> {
    const ref = { channel, ts: this.nextTs() };
    this.print(
      threadTs ? `${channel} ▸ thread ${threadTs}` : `${channel} ▸ new message ${ref.ts}`,
      await render(),
    );
    return ref;
  }

  async postRoot<T>(
    channel: string,
    item: T,
    render: (items: T[]) => Promise<ChatMessage> | ChatMessage,
  ): Promise<{ ref: MessageRef; shared: number }> {
    // The terminal has no rate limit to batch against: one root per item.
    return { ref: await this.post(channel, undefined, () => render([item])), shared: 1 };
  }

  async update(ref: MessageRef, render: () => Promise<ChatMessage> | ChatMessage): Promise<void> {
    this.print(`${ref.channel} ▸ update of ${ref.ts}`, await render());
  }

  async upload(channel: string, threadTs: string, file: ChartFile): Promise<void> {
    if (!this.options.chartDir) {
      this.options.write(
        `${channel} ▸ thread ${threadTs}: chart "${file.title}" (${file.data.length} bytes PNG)`,
      );
      return;
    }
    await mkdir(this.options.chartDir, { recursive: true });
    const path = join(this.options.chartDir, `${threadTs}-${file.filename}`);
    await writeFile(path, file.data);
    this.options.write(`${channel} ▸ thread ${threadTs}: chart "${file.title}" written to ${path}`);
  }

  async ephemeral(channel: string, user: string, msg: ChatMessage): Promise<void> {
    this.print(`${channel} ▸ only for ${user}`, msg);
  }

  async idle(): Promise<void> {}

  link(ref: MessageRef): string {
    return `terminal:${ref.channel}/${ref.ts}`;
  }

  private print(where: string, msg: ChatMessage): void {
    this.options.write(`── ${where} ──\n${renderPlain(msg)}\n`);
  }

  private nextTs(): string {
    const now = (this.options.now?.() ?? new Date()).getTime();
    return `${Math.floor(now / 1000)}.${String(++this.seq).padStart(6, '0')}`;
  }
}
