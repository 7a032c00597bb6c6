import { describe, expect, it } from 'vitest';
import { chartSpec, hasChartData, renderChartPng, renderChartSvg } from '../../src/chat/chart.js';

const t0 = Date.UTC(2026, 0, 1, 12);
const series = [
  {
    name: 'p95',
    points: Array.from({ length: 60 }, (_, i) => ({ t: t0 + i * 60_000, v: 0.2 + (i > 40 ? 2 : 0) })),
  },
];
const input = {
  title: 'S3 download latency P95',
  series,
  unit: 's' as const,
  thresholds: { direction: 'above' as const, warn: 0.5, critical: 2 },
};

describe('charts', () => {
  it('draws the thresholds as rule lines next to the series', () => {
    const spec = chartSpec(input) as unknown as {
      layer: { mark: { type: string }; data: { values: { y?: number; level?: string }[] } }[];
    };
    expect(spec.layer.map((l) => l.mark.type)).toEqual(['line', 'rule']);
    expect(spec.layer[1]?.data.values).toEqual([
      { y: 0.5, level: 'warn' },
      { y: 2, level: 'critical' },
    ]);
  });

  it('renders SVG headless and a PNG with resvg', async () => {
    const svg = await renderChartSvg(input);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('S3 download latency P95');
    const png = await renderChartPng(input);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    // 2× zoom of a 640×240 plot plus axes and title.
    expect(png.readUInt32BE(16)).toBeGreaterThan(1280);
  });

  it('knows which evidence is worth a chart', () => {
    expect(hasChartData(undefined)).toBe(false);
    expect(hasChartData([{ name: 'x', points: [{ t: 1, v: 1 }] }])).toBe(false);
    expect(hasChartData(series)).toBe(true);
  });

  it('draws no rule when there is no threshold, and caps the number of series', () => {
    const many = Array.from({ length: 20 }, (_, i) => ({
      name: `pod-${i}`,
      points: [
        { t: t0, v: i },
        { t: t0 + 1, v: i },
      ],
    }));
    const spec = chartSpec({ title: 'cpu', series: many }) as unknown as {
      layer: { data: { values: { series: string }[] } }[];
    };
    expect(spec.layer).toHaveLength(1);
    const names = new Set(spec.layer[0]?.data.values.map((v) => v.series));
    expect(names.size).toBe(8);
    expect(names.has('pod-19')).toBe(true); // the highest peaks are kept
  });
});
