import { describe, expect, it } from 'vitest';
import { evidenceLines } from '../../src/diagnostics/evidence.js';

describe('evidenceLines', () => {
  it('formats row values in the check unit and never restates the value itself', () => {
    expect(
      evidenceLines({
        value: 0.9,
        unit: 's',
        evidence: { rows: [{ pod: 'a', value: 0.9 }], counts: { series: 1 } },
      }),
    ).toEqual(['pod=a']);
    expect(
      evidenceLines({
        value: 0.9,
        unit: 's',
        evidence: { rows: [0.9, 0.5, 0.2, 0.1].map((v, i) => ({ pod: `p${i}`, value: v })) },
      }),
    ).toEqual(['pod=p0 value=900 ms', 'pod=p1 value=500 ms', 'pod=p2 value=200 ms', '… 1 more rows']);
  });

  it('keeps counts that say something new, samples as quotes, and the trend of a series', () => {
    expect(
      evidenceLines({
        value: 25,
        evidence: {
          counts: { slowdown: 25, pods: 3 },
          samples: ['ERROR SlowDown', `x${' y'.repeat(200)}`],
          series: [
            { name: 'lag', labels: { topic: 't' }, points: [1000, 50000, 40000].map((v, t) => ({ t, v })) },
          ],
        },
        unit: 'messages',
      }),
    ).toEqual([
      'pods: 3',
      '> ERROR SlowDown',
      expect.stringMatching(/^> x( y)+…$/),
      'lag{topic=t}: 1,000 messages → 40,000 messages, min 1,000 messages, max 50,000 messages over 3 points',
    ]);
  });
});
