// Charts draw their text with the font shipped in assets/fonts, loaded explicitly with system
// fonts off, so the PNG is the same on a laptop, in CI and in the font-less container image.
import { existsSync, readFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import { describe, expect, it } from 'vitest';
import { CHART_FONT_FAMILY, chartFontFiles, renderChartPng, renderChartSvg } from '../../src/chat/chart.js';
import { chartInput, TITLE_BAND } from '../support/chart-input.js';
import { darkPixels, decodePng } from '../support/png.js';

describe('chart fonts', () => {
  it('ships DejaVu Sans (regular and bold) with its licence', () => {
    const files = chartFontFiles();
    expect(files.map((f) => f.split('/').slice(-3).join('/'))).toEqual([
      'assets/fonts/DejaVuSans.ttf',
      'assets/fonts/DejaVuSans-Bold.ttf',
    ]);
    for (const f of files) expect(readFileSync(f).readUInt32BE(0)).toBe(0x00010000); // TrueType
    const licence = files[0]?.replace(/DejaVuSans\.ttf$/, 'LICENSE') ?? '';
    expect(existsSync(licence)).toBe(true);
    expect(readFileSync(licence, 'utf8')).toContain('Bitstream Vera');
  });

  it('names the shipped family on every text element of the SVG', async () => {
    const svg = await renderChartSvg(chartInput);
    const families = [...svg.matchAll(/<text[^>]*font-family="([^"]*)"/g)].map((m) => m[1]);
    expect(families.length).toBeGreaterThan(5); // title, axis title, tick labels
    expect(new Set(families)).toEqual(new Set([CHART_FONT_FAMILY]));
  });

  it('draws the title without any system font, and nothing there without the shipped one', async () => {
    const image = decodePng(await renderChartPng(chartInput));
    const drawn = darkPixels(image, TITLE_BAND.top, TITLE_BAND.bottom);
    // The bold 2×-zoomed title covers about 3,000 pixels; a missing font leaves the band white.
    expect(drawn).toBeGreaterThan(1000);

    const withoutFonts = new Resvg(await renderChartSvg(chartInput), {
      fitTo: { mode: 'zoom', value: 2 },
      font: { loadSystemFonts: false },
    })
      .render()
      .asPng();
    expect(darkPixels(decodePng(withoutFonts), TITLE_BAND.top, TITLE_BAND.bottom)).toBe(0);
  });

  it('renders the same bytes every time', async () => {
    const [a, b] = await Promise.all([renderChartPng(chartInput), renderChartPng(chartInput)]);
    expect(a.equals(b)).toBe(true);
  });
});
