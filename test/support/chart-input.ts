// One chart every font test draws: a title, axis labels and numbers, two threshold lines.
import type { ChartInput } from '../../src/chat/chart.js';

const t0 = Date.UTC(2026, 0, 1, 12);
export const chartInput: ChartInput = {
  title: 'S3 download latency P95',
  unit: 's',
  thresholds: { direction: 'above', warn: 0.5, critical: 2 },
  series: [
    {
      name: 'p95',
      points: Array.from({ length: 60 }, (_, i) => ({ t: t0 + i * 60_000, v: 0.2 + (i > 40 ? 2 : 0) })),
    },
  ],
};

/** Rows of the 2×-zoomed PNG that hold the title and nothing else (the plot starts below). */
export const TITLE_BAND = { top: 0, bottom: 44 } as const;
