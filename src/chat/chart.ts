// A check's time series as a PNG with its thresholds drawn as rule lines: vega-lite → vega
// (headless, renderer 'none') → SVG → PNG with resvg. Offline; no browser, no canvas.
// Text is drawn with the DejaVu Sans files shipped in assets/fonts, loaded explicitly with system
// fonts off: the container image has no fonts, and a laptop's would make a different PNG.
// vega, vega-lite and resvg (~1 s of imports) load on the first chart, not at start.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TopLevelSpec } from 'vega-lite';
import type { Series } from '../diagnostics/types.js';
import type { Thresholds, Unit } from '../playbooks/schema.js';

export interface ChartInput {
  title: string;
  series: Series[];
  unit?: Unit | undefined;
  thresholds?: Thresholds | undefined;
}

/** The one font family of every chart; the files below must provide it. */
export const CHART_FONT_FAMILY = 'DejaVu Sans';
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'];

/**
 * assets/fonts of the package: two levels above this file in src/ (tsx, vitest), three in
 * dist/src/ (the build). Found once; a package without it is broken, so this throws.
 */
export function chartFontFiles(): string[] {
  fontFiles ??= findFontFiles();
  return fontFiles;
}
let fontFiles: string[] | undefined;

function findFontFiles(): string[] {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 4; up++) {
    const files = FONT_FILES.map((f) => join(dir, 'assets', 'fonts', f));
    if (files.every((f) => existsSync(f))) return files;
    dir = dirname(dir);
  }
  throw new Error(`chart fonts not found: assets/fonts/${FONT_FILES.join(', ')} above ${import.meta.url}`);
}

/** More lines than this make a chart nobody can read; the worst ones are kept. */
const MAX_SERIES = 8;
const MAX_POINTS = 2000;

export function hasChartData(series: Series[] | undefined): series is Series[] {
  return (series ?? []).some((s) => s.points.length >= 2);
}

export function chartSpec(input: ChartInput): TopLevelSpec {
  const series = [...input.series]
    .filter((s) => s.points.length > 0)
    .sort((a, b) => peak(b) - peak(a))
    .slice(0, MAX_SERIES);
  const values = series.flatMap((s) => {
    const step = Math.ceil(s.points.length / MAX_POINTS);
    return s.points
      .filter((_, i) => i % step === 0)
      .filter((p) => Number.isFinite(p.v))
      .map((p) => ({ t: p.t, v: p.v, series: seriesLabel(s) }));
  });
  const rules = [
    ...(input.thresholds?.warn !== undefined ? [{ y: input.thresholds.warn, level: 'warn' }] : []),
    ...(input.thresholds?.critical !== undefined
      ? [{ y: input.thresholds.critical, level: 'critical' }]
      : []),
  ];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: input.title,
    width: 640,
    height: 240,
    background: 'white',
    config: { font: CHART_FONT_FAMILY },
    layer: [
      {
        data: { values },
        mark: { type: 'line', interpolate: 'monotone' },
        encoding: {
          x: { field: 't', type: 'temporal', title: null },
          y: { field: 'v', type: 'quantitative', title: input.unit ?? null },
          color: { field: 'series', type: 'nominal', title: null, legend: series.length > 1 ? {} : null },
        },
      },
      ...(rules.length > 0
        ? [
            {
              data: { values: rules },
              mark: { type: 'rule' as const, strokeDash: [6, 4], strokeWidth: 2 },
              encoding: {
                y: { field: 'y', type: 'quantitative' as const },
                color: {
                  field: 'level',
                  type: 'nominal' as const,
                  scale: { domain: ['warn', 'critical'], range: ['#e8a200', '#d62728'] },
                  legend: null,
                },
              },
            },
          ]
        : []),
    ],
    resolve: { scale: { color: 'independent' } },
  } as TopLevelSpec;
}

export async function renderChartSvg(input: ChartInput): Promise<string> {
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(compile(chartSpec(input)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export async function renderChartPng(input: ChartInput): Promise<Buffer> {
  const svg = await renderChartSvg(input);
  // Rasterised on libuv's thread pool: a chart must not hold up webhooks and other threads.
  const { renderAsync } = await import('@resvg/resvg-js');
  const png = await renderAsync(svg, {
    fitTo: { mode: 'zoom', value: 2 },
    font: {
      fontFiles: chartFontFiles(),
      loadSystemFonts: false,
      defaultFontFamily: CHART_FONT_FAMILY,
      sansSerifFamily: CHART_FONT_FAMILY,
    },
  });
  return png.asPng();
}

function seriesLabel(s: Series): string {
  const labels = Object.entries(s.labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return labels ? `${s.name}{${labels}}` : s.name;
}

function peak(s: Series): number {
  return s.points.reduce((m, p) => (Number.isFinite(p.v) ? Math.max(m, p.v) : m), Number.NEGATIVE_INFINITY);
}
