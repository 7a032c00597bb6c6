import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import {
  escapePromqlRegex,
  escapePromqlString,
  promqlString,
  substituteNamespace,
} from '../../src/integrations/prometheus/promql.js';

/** Go's strconv.Unquote for the escapes escapePromqlString emits: the inverse we rely on. */
function unquote(literal: string): string | undefined {
  const body = literal.slice(1, -1);
  if (!literal.startsWith('"') || !literal.endsWith('"') || /[\n\r]/.test(body)) return undefined;
  return body.replace(/\\(x[0-9a-f]{2}|.)/g, (_m, e: string) => {
    if (e.startsWith('x')) return String.fromCharCode(Number.parseInt(e.slice(1), 16));
    return ({ n: '\n', r: '\r', t: '\t', '\\': '\\', '"': '"' } as Record<string, string>)[e] ?? `?${e}`;
  });
}

describe('promqlString', () => {
  it('escapes backslash, double quote and newline', () => {
    expect(escapePromqlString('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(promqlString('x"y')).toBe('"x\\"y"');
  });

  it('escapes other control characters as \\x', () => {
    expect(escapePromqlString('a\tb\rc\u0001d\u007f')).toBe('a\\tb\\rc\\x01d\\x7f');
  });

  it('leaves ordinary names and unicode alone', () => {
    expect(promqlString('data-processing')).toBe('"data-processing"');
    expect(escapePromqlString("it's ünïcode")).toBe("it's ünïcode");
  });

  it('always round-trips through a Go-style unquote and never ends the literal early', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const lit = promqlString(s);
        // an unescaped " in the body would close the string early
        return unquote(lit) === s && !lit.slice(1, -1).replace(/\\./g, '').includes('"');
      }),
    );
  });
});

describe('escapePromqlRegex', () => {
  it('escapes RE2 metacharacters so the value only matches itself', () => {
    const value = 'a.b*c+d?e(f)g|h[i]j{k}l^m$n\\o';
    const re = new RegExp(`^${escapePromqlRegex(value)}$`);
    expect(re.test(value)).toBe(true);
    expect(re.test('aXb*c+d?e(f)g|h[i]j{k}l^m$n\\o')).toBe(false);
  });
});

describe('substituteNamespace', () => {
  it('substitutes inside double-quoted strings, escaped', () => {
    expect(substituteNamespace('up{namespace="$namespace"}', 'data-processing')).toBe(
      'up{namespace="data-processing"}',
    );
    expect(substituteNamespace('up{namespace="$namespace", x="$namespace-x"}', 'a"b')).toBe(
      'up{namespace="a\\"b", x="a\\"b-x"}',
    );
  });

  it('regex-escapes after =~ and !~', () => {
    expect(substituteNamespace('up{namespace=~"$namespace"}', 'a.b')).toBe('up{namespace=~"a\\\\.b"}');
    expect(substituteNamespace('up{namespace!~ "$namespace|kube-system"}', 'a.b')).toBe(
      'up{namespace!~ "a\\\\.b|kube-system"}',
    );
  });

  it('refuses the placeholder outside a double-quoted string', () => {
    for (const q of [
      'up{namespace=$namespace}',
      "up{namespace='$namespace'}",
      'up{namespace=`$namespace`}',
    ]) {
      expect(() => substituteNamespace(q, 'ns')).toThrow(
        expect.objectContaining({ code: ErrorCode.InvalidInput }),
      );
    }
  });

  it('ignores look-alikes, escaped quotes and comments', () => {
    expect(substituteNamespace('up{a="$namespaces"}', 'ns')).toBe('up{a="$namespaces"}');
    expect(substituteNamespace('up{a="x\\"$namespace"}', 'ns')).toBe('up{a="x\\"ns"}');
    expect(substituteNamespace('up # $namespace here\n+ up{a="$namespace"}', 'ns')).toBe(
      'up # $namespace here\n+ up{a="ns"}',
    );
    expect(substituteNamespace('up{a="#$namespace"}', 'ns')).toBe('up{a="#ns"}');
  });

  it('leaves queries without the placeholder unchanged', () => {
    expect(substituteNamespace('sum(rate(x[5m]))', 'ns')).toBe('sum(rate(x[5m]))');
  });
});
