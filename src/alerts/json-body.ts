// Webhook bodies are parsed with plain JSON.parse (the hot path pays nothing extra). Only when
// that fails do we work out where: V8 names a position for most errors but not all ("Unexpected
// token 'x', "<body>" is not valid JSON" has none, and quotes the body), and Node 20 and 24 word
// it differently, so the position is found by a small scanner of our own and the parser's
// reason is kept without its position or quotation.
import { InvalidInputError } from '../errors.js';

export interface JsonErrorLocation {
  /** 0-based offset in UTF-16 code units (as String.prototype.slice counts). */
  offset: number;
  /** 1-based. */
  line: number;
  column: number;
}

/** JSON.parse, or an InvalidInputError on `body` saying where and why the text is not JSON. */
export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw jsonBodyError(text, err);
  }
}

export function jsonBodyError(text: string, err: unknown): InvalidInputError {
  if (text.trim() === '') return new InvalidInputError('body', 'expected a JSON body, got an empty body');
  const at = locateJsonError(text);
  const reason = parserReason(err);
  const hint =
    text[at.offset] === '\n' || text[at.offset] === '\r'
      ? ' (a line break inside a string: write it as \\n)'
      : text[at.offset] === '\t'
        ? ' (a tab inside a string: write it as \\t)'
        : '';
  return new InvalidInputError(
    'body',
    `invalid JSON at line ${at.line}, column ${at.column} (offset ${at.offset}): ${reason}${hint}`,
  );
}

/** V8's message without "in JSON at position N (line L column C)" and without the quoted body. */
export function parserReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return (
    message
      .replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '')
      .replace(/ (?:in JSON )?at position \d+(?: \(line \d+ column \d+\))?$/, '')
      .trim() || 'not valid JSON'
  );
}

/** The offset of the first syntax error in `text` (text.length when it ends too early). */
export function locateJsonError(text: string): JsonErrorLocation {
  const offset = firstErrorOffset(text);
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset, line, column: offset - lineStart + 1 };
}

class Stop {
  constructor(readonly offset: number) {}
}

function firstErrorOffset(text: string): number {
  let i = 0;
  const fail = (at = i): never => {
    throw new Stop(at);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const literal = (word: string) => {
    for (const ch of word) if (text[i++] !== ch) fail(i - 1);
  };
  const digits = () => {
    const start = i;
    for (let c = text.charCodeAt(i); c >= 48 && c <= 57; c = text.charCodeAt(i)) i++;
    if (i === start) fail();
  };
  const number = () => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else digits();
    if (text[i] === '.') {
      i++;
      digits();
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      digits();
    }
  };
  const string = () => {
    i++; // opening quote
    for (;;) {
      if (i >= text.length) fail();
      const c = text.charCodeAt(i);
      if (c === 34) return void i++;
      if (c < 0x20) fail();
      if (c === 92) {
        const e = text[i + 1];
        if (e === 'u') {
          // V8 points at the first character that is not a hex digit.
          for (let k = i + 2; k < i + 6; k++) if (!/[0-9a-fA-F]/.test(text[k] ?? '')) fail(k);
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail(i + 1);
      } else i++;
    }
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    }
    if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) number();
    else fail();
  };
  try {
    value();
    ws();
    return i < text.length ? i : text.length;
  } catch (e) {
    if (e instanceof Stop) return Math.min(e.offset, text.length);
    throw e;
  }
}
