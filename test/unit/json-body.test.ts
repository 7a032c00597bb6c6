// A webhook body that is not JSON is answered with where it broke and why. The position comes
// from our own scanner (V8 gives none for some errors); it must agree with V8 wherever V8 gives one.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonBodyError, locateJsonError, parseJsonBody, parserReason } from '../../src/alerts/json-body.js';
import { InvalidInputError } from '../../src/errors.js';

function v8Position(text: string): number | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (err) {
    const m = / at position (\d+)/.exec((err as Error).message);
    if (m) return Number(m[1]);
    if ((err as Error).message === 'Unexpected end of JSON input') return text.length;
    return -1;
  }
}

describe('parseJsonBody', () => {
  it('returns what JSON.parse returns for valid JSON', () => {
    expect(parseJsonBody('{"a":[1,"x",null,true]}')).toEqual({ a: [1, 'x', null, true] });
  });

  it('names line, column and the reason for a raw line break inside a string', () => {
    const body = '{\n  "annotations":{"summary":"Processing latency\n  exceeded threshold"}}';
    const err = (() => {
      try {
        parseJsonBody(body);
      } catch (e) {
        return e;
      }
    })() as InvalidInputError;
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.field).toBe('body');
    expect(err.message).toBe(
      'invalid JSON at line 2, column 47 (offset 48): Bad control character in string literal (a line break inside a string: write it as \\n)',
    );
  });

  it('locates the errors V8 reports without a position, and does not quote the body', () => {
    const err = jsonBodyError(
      '{"a": 1,\n "b": }',
      new SyntaxError('Unexpected token \'}\', "{"a": 1, "b": }" is not valid JSON'),
    );
    expect(err.message).toBe("invalid JSON at line 2, column 7 (offset 15): Unexpected token '}'");
  });

  it('drops the quotation of a long body too', () => {
    const body = `{"version":"4","alerts":[}`;
    expect(() => parseJsonBody(body)).toThrow(
      "invalid JSON at line 1, column 26 (offset 25): Unexpected token '}'",
    );
    expect(parserReason(new SyntaxError('Unexpected token \'}\', ...""alerts":[}" is not valid JSON'))).toBe(
      "Unexpected token '}'",
    );
  });

  it('says an empty body is empty', () => {
    expect(() => parseJsonBody('  ')).toThrow('expected a JSON body, got an empty body');
  });

  it('keeps the parser reason without position on Node 20 and Node 24 wording', () => {
    expect(parserReason(new SyntaxError('Unterminated string in JSON at position 4'))).toBe(
      'Unterminated string',
    );
    expect(parserReason(new SyntaxError('Unterminated string in JSON at position 4 (line 1 column 5)'))).toBe(
      'Unterminated string',
    );
    expect(
      parserReason(new SyntaxError('Unexpected non-whitespace character after JSON at position 8')),
    ).toBe('Unexpected non-whitespace character after JSON');
  });

  it('agrees with V8 on the position of every error V8 positions (damaged valid JSON)', () => {
    const damaged = fc
      .tuple(
        fc.json(),
        fc.nat(),
        fc.constantFrom('delete', 'insert'),
        fc.constantFrom(...'{}[]":,\n\\-0e.tx '),
      )
      .map(([json, n, op, ch]) => {
        const at = json.length === 0 ? 0 : n % json.length;
        return op === 'delete'
          ? json.slice(0, at) + json.slice(at + 1)
          : json.slice(0, at) + ch + json.slice(at);
      });
    fc.assert(
      fc.property(damaged, (text) => {
        const v8 = v8Position(text);
        if (v8 === undefined || v8 === -1) return; // valid after all, or V8 names no position
        expect(locateJsonError(text).offset).toBe(v8);
      }),
      { numRuns: 3000 },
    );
  });
});
