// The one writer to a person's terminal. Log lines (src/log.ts, pretty mode) and the terminal
// incident channel (src/chat/terminal-sink.ts) both print through it, so the status line that
// `perfbot serve` redraws in place while diagnoses run is erased before anything else is printed
// and drawn again below it: a log line never lands in the middle of the status line.

export interface TtyOut {
  write(chunk: string): unknown;
  /** Terminal width (0 or absent: unknown, 80 assumed); the status line is cut to fit so it never wraps (a wrapped line cannot be redrawn). */
  columns?: number | undefined;
}

// C0 controls but line feed and tab, DEL and C1, and the bidirectional overrides and isolates.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text that carries outside data (alert labels and annotations, check output), made safe to
 * print on a terminal: an escape sequence in an alert name would otherwise clear the screen or
 * recolour it, a carriage return overwrite the line, a bidi override reorder it. Each such
 * character is shown as its code (\x1b, \u202e) instead of acted on; line breaks stay.
 */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Carriage return, then erase the whole line (ANSI EL2). */
const ERASE_LINE = '\r\x1b[2K';

export class TtyScreen {
  private status = '';

  constructor(private readonly out: TtyOut) {}

  /** Prints text (one or more lines) above the status line. */
  print(text: string): void {
    const body = text.endsWith('\n') ? text : `${text}\n`;
    this.out.write(this.status ? `${ERASE_LINE}${body}${this.status}` : body);
  }

  /** Replaces the status line; an empty line removes it. */
  setStatus(line: string): void {
    const next = fitWidth(line, this.out.columns);
    if (next === this.status) return;
    this.status = next;
    this.out.write(`${ERASE_LINE}${next}`);
  }
}

function fitWidth(line: string, columns: number | undefined): string {
  const flat = line.replace(/\s*\n\s*/g, ' ');
  // Leave room for wide characters (emoji count as one here but take two cells).
  const max = Math.max(20, (columns || 80) - 4);
  return [...flat].length > max ? `${[...flat].slice(0, max - 1).join('')}…` : flat;
}

let stdoutScreen: TtyScreen | undefined;

/** The screen on process.stdout when it is a terminal; undefined for pipes, files, CI. */
export function ttyScreen(): TtyScreen | undefined {
  if (process.stdout.isTTY !== true) return undefined;
  if (!stdoutScreen) {
    const screen = new TtyScreen(process.stdout);
    stdoutScreen = screen;
    // A status line left at exit would run into the shell prompt.
    process.once('exit', () => screen.setStatus(''));
  }
  return stdoutScreen;
}
