import { describe, expect, it } from 'vitest';
import { thresholdStatus } from '../../src/diagnostics/evaluate.js';
import { formatNumber, formatThresholds, formatValue } from '../../src/diagnostics/format.js';

describe('formatValue', () => {
  it.each([
    [0.42, 's', '420 ms'],
    [1.5, 's', '1.5 s'],
    [300, 's', '5m'],
    [250, 'ms', '250 ms'],
    [2500, 'ms', '2.5 s'],
    [512, 'bytes', '512 B'],
    [1536, 'bytes', '1.5 KiB'],
    [1610612736, 'bytes', '1.5 GiB'],
    [268435456, 'bytes', '256 MiB'],
    [0.91, 'ratio', '91%'],
    [0.0005, 'ratio', '0.05%'],
    [87.5, 'percent', '87.5%'],
    [12345, 'count', '12,345'],
    [1234.4, 'per_second', '1,234/s'],
    [0.25, 'cores', '0.25 cores'],
    [1, 'cores', '1 core'],
    [50000, 'messages', '50,000 messages'],
    [1.23456, undefined, '1.23'],
  ] as const)('%s %s → %s', (value, unit, text) => {
    expect(formatValue(value, unit)).toBe(text);
  });

  it('keeps non-finite numbers readable', () => {
    expect(formatNumber(Number.POSITIVE_INFINITY)).toBe('Infinity');
  });
});

describe('formatThresholds', () => {
  it('writes the comparison in the direction of the thresholds', () => {
    expect(formatThresholds({ direction: 'above', warn: 0.1, critical: 0.5 }, 's')).toBe(
      'warn > 100 ms, critical > 500 ms',
    );
    expect(formatThresholds({ direction: 'below', warn: 0.9, critical: 0.6 }, 'ratio')).toBe(
      'warn < 90%, critical < 60%',
    );
    expect(formatThresholds({ direction: 'above', critical: 3 })).toBe('critical > 3');
    expect(formatThresholds({ direction: 'above' })).toBeUndefined();
    expect(formatThresholds(undefined)).toBeUndefined();
  });
});

describe('thresholdStatus', () => {
  it('compares strictly: a value equal to a limit is not over it', () => {
    const above = { direction: 'above', warn: 10, critical: 20 } as const;
    expect([5, 10, 11, 20, 21].map((v) => thresholdStatus(v, above))).toEqual([
      'ok',
      'ok',
      'warn',
      'warn',
      'critical',
    ]);
    const below = { direction: 'below', warn: 0.9, critical: 0.6 } as const;
    expect([0.95, 0.9, 0.7, 0.6, 0.5].map((v) => thresholdStatus(v, below))).toEqual([
      'ok',
      'ok',
      'warn',
      'warn',
      'critical',
    ]);
    expect(thresholdStatus(100, undefined)).toBe('ok');
  });
});
