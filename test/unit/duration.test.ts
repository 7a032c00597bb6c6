import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/duration.js';

describe('formatDuration', () => {
  it('writes the shortest form parseDuration reads back', () => {
    const cases: [number, string][] = [
      [40, '40ms'],
      [8_000, '8s'],
      [90_000, '1m30s'],
      [1_800_000, '30m'],
      [5_400_000, '1h30m'],
      [7_200_000, '2h'],
      [86_400_000, '24h'],
      [90_000_000, '25h'],
      [172_800_000, '2d'],
      [176_460_000, '2d1h1m'],
      [172_860_000, '2d1m'],
      // A week-long alert reads in days, not "169h59m".
      [611_940_000, '7d1h59m'],
    ];
    for (const [ms, text] of cases) {
      expect(formatDuration(ms)).toBe(text);
      expect(parseDuration(text)).toBe(ms);
    }
  });
});
