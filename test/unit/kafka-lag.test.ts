import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeLag, partitionLag, totalLag } from '../../src/integrations/kafka/lag.js';

describe('partitionLag', () => {
  it('is high watermark minus committed offset', () => {
    expect(partitionLag('900', '0', '1000')).toEqual({ lag: 100n });
  });

  it('counts from the log start, not from 0, when the group never committed', () => {
    expect(partitionLag(null, '0', '1000')).toEqual({ lag: 1000n, note: 'no-commit' });
    // compacted / retention-truncated topic: offsets below 5000 no longer exist
    expect(partitionLag(null, '5000', '5200')).toEqual({ lag: 200n, note: 'no-commit' });
    expect(partitionLag('-1', '5000', '5200')).toEqual({ lag: 200n, note: 'no-commit' });
  });

  it('counts only still-readable messages when the commit fell behind retention', () => {
    expect(partitionLag('100', '5000', '5200')).toEqual({ lag: 200n, note: 'behind-retention' });
  });

  it('clamps to 0 when the committed offset is past the log end (log truncated)', () => {
    expect(partitionLag('7000', '0', '5200')).toEqual({ lag: 0n, note: 'ahead-of-log-end' });
  });

  it('stays exact beyond 2^53', () => {
    expect(partitionLag('9007199254740993', '0', '9007199254740999')).toEqual({ lag: 6n });
  });

  it('is never negative and never more than the readable log', () => {
    const offset = fc.bigInt({ min: 0n, max: 1n << 62n });
    fc.assert(
      fc.property(offset, offset, fc.option(fc.bigInt({ min: -1n, max: 1n << 62n })), (a, b, c) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        const { lag } = partitionLag(c === null ? null : String(c), String(low), String(high));
        return lag >= 0n && lag <= high - low;
      }),
    );
  });
});

describe('computeLag', () => {
  const watermarks = new Map([
    [
      'market-data',
      [
        { partition: 0, low: '0', high: '1000' },
        { partition: 1, low: '400', high: '1500' },
        { partition: 2, low: '0', high: '300' },
      ],
    ],
  ]);

  it('joins commits with watermarks, treats partitions without a commit as unread, sorts by lag', () => {
    const rows = computeLag(
      [
        {
          topic: 'market-data',
          partitions: [
            { partition: 0, offset: '990' },
            { partition: 1, offset: '-1' },
          ],
        },
      ],
      watermarks,
    );
    expect(rows.map((r) => [r.partition, r.lag, r.committed, r.note ?? null])).toEqual([
      [1, 1100, null, 'no-commit'],
      [2, 300, null, 'no-commit'], // added after the group last committed
      [0, 10, '990', null],
    ]);
    expect(totalLag(rows)).toBe(1410);
  });
});
