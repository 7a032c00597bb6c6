// Pure parts of the Kubernetes integration: quantities, name/selector validation, log patterns.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors.js';
import { compilePattern } from '../../src/integrations/kubernetes/checks/patterns.js';
import { formatBytes, formatCpu, parseQuantity } from '../../src/integrations/kubernetes/quantity.js';
import {
  assertNamespace,
  assertObjectName,
  selectorString,
} from '../../src/integrations/kubernetes/validate.js';

describe('parseQuantity', () => {
  it.each([
    ['250m', 0.25],
    ['1', 1],
    ['2.5', 2.5],
    ['5n', 5e-9],
    ['100u', 1e-4],
    ['1Gi', 2 ** 30],
    ['123456Ki', 123456 * 1024],
    ['512Mi', 512 * 2 ** 20],
    ['1G', 1e9],
    ['1k', 1000],
    ['1e3', 1000],
    ['1.5E-3', 0.0015],
    ['.5', 0.5],
  ])('%s → %d', (text, value) => {
    expect(parseQuantity(text)).toBeCloseTo(value, 12);
  });

  it.each(['', 'abc', '1Gb', '1 Gi', '--1', 'Mi'])('rejects %j', (text) => {
    expect(parseQuantity(text)).toBeUndefined();
  });

  it('formats what it parses back to the same amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 40 }), (bytes) => {
        const back = parseQuantity(formatBytes(bytes)) ?? Number.NaN;
        // One decimal of the chosen unit: within 5% (and exact for round sizes).
        return Math.abs(back - bytes) / bytes < 0.05;
      }),
    );
    expect(formatBytes(1536 * 2 ** 20)).toBe('1.5Gi');
    expect(formatCpu(0.25)).toBe('250m');
    expect(formatCpu(2)).toBe('2');
    expect(formatCpu(5e-9)).toBe('5n');
  });
});

describe('validation', () => {
  it('accepts Kubernetes names and refuses anything that could bend a URL', () => {
    expect(assertNamespace('data-processing')).toBe('data-processing');
    expect(assertObjectName('clickhouse.v2')).toBe('clickhouse.v2');
    for (const bad of ['', 'Upper', 'a/b', '../x', 'a b', 'x'.repeat(64), '-lead', 'a%2F']) {
      expect(() => assertNamespace(bad)).toThrow(InvalidInputError);
    }
    expect(() => assertObjectName('a?b=c', 'params.configMap')).toThrow(/params.configMap/);
  });

  it('builds equality selectors and names the bad label', () => {
    expect(selectorString({ app: 'normalization-service', 'app.kubernetes.io/part-of': 'pipeline' })).toBe(
      'app=normalization-service,app.kubernetes.io/part-of=pipeline',
    );
    expect(selectorString({})).toBe('');
    try {
      selectorString({ tier: 'a,b' });
      expect.unreachable();
    } catch (err) {
      expect((err as InvalidInputError).field).toBe('selector.tier');
    }
    expect(() => selectorString({ 'bad key!': 'x' })).toThrow(InvalidInputError);
  });
});

describe('log patterns', () => {
  it('compiles plain patterns and the (?i) prefix', () => {
    expect(compilePattern('t', 'Timeout').regex.test('read Timeout')).toBe(true);
    const ci = compilePattern('t', '(?i)slowdown').regex;
    expect(ci.flags).toBe('i');
    expect(ci.test('S3 SlowDown')).toBe(true);
  });

  it.each(['(a+)+', '(\\w*x)*', '(.*a){2,}', '(?i)(a|aa+)+'])(
    'refuses the backtracking shape %s',
    (source) => {
      expect(() => compilePattern('evil', source)).toThrow(/nested quantifiers/);
    },
  );

  it('refuses invalid and oversized patterns, naming them', () => {
    expect(() => compilePattern('p', '(')).toThrow(/params.patterns.p/);
    expect(() => compilePattern('p', 'a'.repeat(600))).toThrow(/longer than/);
  });
});
