// Without Slack credentials, the terminal is the incident channel. It is read by a tired person,
// so it prints what a message says it is (ChatMessage.terminal): one line per incident event
// (an edit prints again only when the line changed), each report once, progress as a single
// status line redrawn in place on a TTY and not at all elsewhere, nothing for Slack-only
// companions. Charts are written as PNG files (a terminal cannot show them).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { printable, type TtyScreen, ttyScreen } from '../tty.js';
import type { ChatMessage, TerminalView } from './message.js';
import { plainText, TONE_MARK } from './message.js';
import { renderPlain } from './plain.js';
import type { ChartFile, ChatSink, MessageRef } from './sink.js';

/** What was printed, for writers that keep structure (a JSON log line per print). */
export interface PrintMeta {
  channel: string;
  /** The incident thread (its root's ts) the print belongs to, when it belongs to one. */
  thread?: string | undefined;
  /** The incident or diagnosis the thread is about, when known. */
  label?: string | undefined;
}

export interface TerminalSinkOptions {
  /** Prints one entry: a line or a block of lines, without a trailing newline. */
  write: (text: string, meta: PrintMeta) => void;
  /**
   * The in-place status line of a person's terminal. Without one (pipes, log collectors)
   * progress is not printed at all: only its outcome, the report, is.
   */
  status?: ((line: string) => void) | undefined;
  /** Where chart PNGs go; none written when undefined. */
  chartDir?: string | undefined;
  now?: () => Date;
}

/** Threads remembered for labels and "has this line changed"; old ones are forgotten first. */
const MAX_REMEMBERED = 2000;

export class TerminalSink implements ChatSink {
  readonly kind = 'terminal' as const;
  private seq = 0;
  /** Root ts → the label of its incident, for the messages of its thread. */
  private readonly labels = new Map<string, string>();
  /** Message ts → the last line printed for it. */
  private readonly lastLine = new Map<string, string>();
  /** Message ts → its progress, while diagnoses run. */
  private readonly progress = new Map<string, string>();
  /** Message ts → the thread it was posted in. */
  private readonly threadOf = new Map<string, string>();

  constructor(private readonly options: TerminalSinkOptions) {}

  async post(
    channel: string,
    threadTs: string | undefined,
    render: () => Promise<ChatMessage> | ChatMessage,
  ): Promise<MessageRef> {
    const ref = { channel, ts: this.nextTs() };
    if (threadTs) remember(this.threadOf, ref.ts, threadTs);
    this.show(ref, await render(), 'post');
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
    this.show(ref, await render(), 'update');
  }

  async upload(channel: string, threadTs: string, file: ChartFile): Promise<void> {
    const meta = this.meta(channel, threadTs);
    // Charts are PNGs; the other file is the post-incident draft (Markdown, `perfbot timeline`).
    const chart = file.filename.endsWith('.png');
    if (!this.options.chartDir) {
      this.print(
        `${chart ? 'chart' : 'file'} "${file.title}" (${file.data.length} bytes ${chart ? 'PNG' : 'Markdown'})`,
        meta,
      );
      return;
    }
    await mkdir(this.options.chartDir, { recursive: true });
    const path = join(this.options.chartDir, `${threadTs}-${file.filename}`);
    await writeFile(path, file.data);
    this.print(`${chart ? 'chart' : 'file'} "${file.title}" written to ${path}`, meta);
  }

  async ephemeral(channel: string, user: string, msg: ChatMessage): Promise<void> {
    this.print(`only for @${user}: ${renderPlain(msg)}`, { channel });
  }

  async idle(): Promise<void> {}

  link(ref: MessageRef): string {
    return `terminal:${ref.channel}/${ref.ts}`;
  }

  private show(ref: MessageRef, msg: ChatMessage, op: 'post' | 'update'): void {
    const view: TerminalView = msg.terminal ?? { show: 'full' };
    const thread = this.threadOf.get(ref.ts);
    const meta = this.meta(ref.channel, thread);
    switch (view.show) {
      case 'none':
        return;
      case 'line':
        if (view.label && !thread) remember(this.labels, ref.ts, view.label);
        // A line inside a thread says which incident it belongs to; a root line already does.
        this.printLine(ref, thread && meta.label ? `${view.line} · ${meta.label}` : view.line, {
          ...meta,
          label: meta.label ?? view.label,
        });
        return;
      case 'progress':
        this.setProgress(
          ref.ts,
          view.done ? undefined : `${meta.label ? `${meta.label}: ` : ''}${view.line}`,
        );
        return;
      case 'full': {
        if (op === 'update') {
          const line = view.line ?? plainText(msg.summary);
          this.printLine(ref, meta.label ? `${line} · ${meta.label}` : line, meta);
          return;
        }
        if (view.line)
          remember(this.lastLine, ref.ts, meta.label ? `${view.line} · ${meta.label}` : view.line);
        const body = view.text ?? renderPlain(msg);
        // A block gets a heading naming its incident; a single line names it inline.
        if (body.includes('\n')) this.print(`── ${meta.label ?? ref.channel} ──\n${body}`, meta);
        else this.print(meta.label ? `${body} · ${meta.label}` : body, meta);
        return;
      }
    }
  }

  private printLine(ref: MessageRef, line: string, meta: PrintMeta): void {
    if (this.lastLine.get(ref.ts) === line) return;
    remember(this.lastLine, ref.ts, line);
    this.print(line, meta);
  }

  private setProgress(ts: string, line: string | undefined): void {
    if (!this.options.status) return;
    if (line === undefined) this.progress.delete(ts);
    else remember(this.progress, ts, line);
    const running = [...this.progress.values()];
    const text =
      running.length === 0
        ? ''
        : running.length === 1
          ? `${TONE_MARK.progress} ${running[0]}`
          : `${TONE_MARK.progress} ${running.length} diagnoses running — ${running.join(' · ')}`;
    this.options.status(text);
  }

  private meta(channel: string, thread: string | undefined): PrintMeta {
    return { channel, thread, label: thread ? this.labels.get(thread) : undefined };
  }

  private print(text: string, meta: PrintMeta): void {
    this.options.write(text, meta);
  }

  private nextTs(): string {
    const now = (this.options.now?.() ?? new Date()).getTime();
    return `${Math.floor(now / 1000)}.${String(++this.seq).padStart(6, '0')}`;
  }
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_REMEMBERED) map.delete(map.keys().next().value as string);
}

/**
 * How `perfbot serve` prints its channel: on a person's terminal, text with the time and the
 * status line, through the screen the pretty log lines share; anywhere else (pipes, containers,
 * CI) one JSON log line per print and no progress.
 */
export function serveTerminalOutput(
  log: Logger,
  screen: TtyScreen | undefined = ttyScreen(),
  now: () => Date = () => new Date(),
): Pick<TerminalSinkOptions, 'write' | 'status'> {
  if (!screen) {
    return {
      write: (text, meta) =>
        log.info({ channel: meta.channel, thread: meta.thread, about: meta.label, text }, 'incident channel'),
    };
  }
  return {
    write: (text) => screen.print(`${clock(now())} ${printable(text)}`),
    status: (line) => screen.setStatus(printable(line)),
  };
}

/** HH:MM:SS local time, like the log lines around it. */
function clock(d: Date): string {
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}
