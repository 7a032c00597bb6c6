// PromQL comes from the playbook; only the namespace is ours to put in, and it may come from an
// alert label or a chat command. It goes in escaped, and only inside a double-quoted string,
// where escaping is well defined (backtick strings have no escapes; a bare name is a selector).
import { InvalidInputError } from '../../errors.js';

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/**
 * Escapes text for the inside of a PromQL double-quoted string (Go string-literal rules):
 * backslash, double quote, newline, and every other control character.
 */
export function escapePromqlString(value: string): string {
  let out = '';
  for (const ch of value) {
    const simple = SIMPLE_ESCAPES[ch];
    if (simple) out += simple;
    else {
      const code = ch.charCodeAt(0);
      out += code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : ch;
    }
  }
  return out;
}

/** A complete PromQL string literal: `"…"` with the value escaped. */
export function promqlString(value: string): string {
  return `"${escapePromqlString(value)}"`;
}

/** Escapes RE2 metacharacters, so a value in a =~ or !~ matcher matches only itself. */
export function escapePromqlRegex(value: string): string {
  return value.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

const PLACEHOLDER = '$namespace';
const WORD = /[A-Za-z0-9_]/;

/**
 * Replaces every `$namespace` inside a double-quoted string with the escaped namespace (also
 * regex-escaped after =~ or !~). A placeholder anywhere else is a playbook error: there is no
 * safe way to put a name there.
 */
export function substituteNamespace(query: string, namespace: string): string {
  let out = '';
  let quote: string | undefined;
  let regexContext = false;
  for (let i = 0; i < query.length; ) {
    const ch = query[i] as string;
    if (quote === undefined && ch === '#') {
      // a comment runs to the end of the line
      const end = query.indexOf('\n', i);
      const stop = end === -1 ? query.length : end;
      out += query.slice(i, stop);
      i = stop;
      continue;
    }
    if (query.startsWith(PLACEHOLDER, i) && !WORD.test(query[i + PLACEHOLDER.length] ?? '')) {
      if (quote !== '"') {
        throw new InvalidInputError(
          'query',
          `${PLACEHOLDER} must stand inside a double-quoted string, e.g. {namespace="${PLACEHOLDER}"}`,
        );
      }
      out += escapePromqlString(regexContext ? escapePromqlRegex(namespace) : namespace);
      i += PLACEHOLDER.length;
      continue;
    }
    if (quote !== undefined) {
      if (ch === '\\' && quote !== '`') {
        out += query.slice(i, i + 2);
        i += 2;
        continue;
      }
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'" || ch === '`') {
      quote = ch;
      regexContext = /[=!]~\s*$/.test(out);
    }
    out += ch;
    i += 1;
  }
  return out;
}
