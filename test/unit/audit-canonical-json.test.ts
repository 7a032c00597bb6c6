import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CanonicalText, canonicalJson } from '../../src/audit/canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x y' } })).toBe(
      '{"a":{"c":"x y","d":[3,{"y":null,"z":true}]},"b":1}',
    );
  });

  it('gives the same string for objects that differ only in key order', () => {
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });

  it('follows JSON.stringify value rules: undefined dropped, non-finite → null, toJSON used', () => {
    expect(canonicalJson({ a: undefined, b: Number.NaN, c: [undefined, Infinity], d: new Date(0) })).toBe(
      '{"b":null,"c":[null,null],"d":"1970-01-01T00:00:00.000Z"}',
    );
  });

  it('escapes strings exactly like JSON (quotes, control characters, unicode)', () => {
    expect(canonicalJson({ 'k"ey': 'a"b\\c\n\u0001é' })).toBe('{"k\\"ey":"a\\"b\\\\c\\n\\u0001é"}');
  });

  it('refuses what has no JSON form instead of hashing nothing', () => {
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
    expect(() => canonicalJson(10n)).toThrow(TypeError);
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(() => canonicalJson(loop)).toThrow(/circular/);
  });

  it('orders integer-like keys as strings, not the way JS objects enumerate them', () => {
    expect(canonicalJson({ b: 1, 10: 2, 9: 3, '': 4 })).toBe('{"":4,"10":2,"9":3,"b":1}');
  });

  it('is a fixed point through JSON.parse and keeps the value (what verifyTrail relies on)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 300 },
    );
  });

  it('embeds text that is already canonical as is: the same bytes as serialising the value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string(), (value, actor) => {
        const record = { time: 't', actor, details: value };
        const pre = { ...record, details: new CanonicalText(canonicalJson(value)) };
        expect(canonicalJson(pre)).toBe(canonicalJson(record));
      }),
      { numRuns: 300 },
    );
  });

  it('matches a reference that sorts every object’s keys (sorted or not as built)', () => {
    // (Not JSON.stringify with a replacer: objects enumerate integer-like keys first.)
    const reference = (v: unknown): string => {
      if (Array.isArray(v)) return `[${v.map(reference).join(',')}]`;
      if (v === null || typeof v !== 'object') return JSON.stringify(v);
      const keys = Object.keys(v).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${keys.map((k) => `${JSON.stringify(k)}:${reference((v as Record<string, unknown>)[k])}`).join(',')}}`;
    };
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toBe(reference(value));
      }),
      { numRuns: 300 },
    );
  });
});
