// Run in a child process whose /usr/share/fonts is an empty tmpfs (see chart-fonts.test.ts):
// prints the PNG of a chart as perfbot renders it, and of the same SVG rendered by resvg with
// system fonts on (which now finds none), as JSON of base64 strings.
import { Resvg } from '@resvg/resvg-js';
import { renderChartPng, renderChartSvg } from '../../src/chat/chart.js';
import { chartInput } from './chart-input.js';

const png = await renderChartPng(chartInput);
const systemOnly = new Resvg(await renderChartSvg(chartInput), {
  fitTo: { mode: 'zoom', value: 2 },
  font: { loadSystemFonts: true },
})
  .render()
  .asPng();
process.stdout.write(
  JSON.stringify({ png: png.toString('base64'), systemOnly: systemOnly.toString('base64') }),
);
