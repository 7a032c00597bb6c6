// The chart of a font-less machine, for real: a child process whose /usr/share/fonts is an empty
// tmpfs (a private mount namespace; needs root and unshare, as in CI, else skipped with the reason)
// still draws the title, while resvg with system fonts on finds nothing to draw it with there.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { TITLE_BAND } from '../support/chart-input.js';
import { darkPixels, decodePng } from '../support/png.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
const HIDE_FONTS = 'mount -t tmpfs none /usr/share/fonts && exec "$@"';

async function canHideFonts(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'not root';
  if (!existsSync('/usr/bin/unshare')) return '/usr/bin/unshare is not installed';
  if (!existsSync('/usr/share/fonts')) return 'no /usr/share/fonts to hide';
  try {
    await run('/usr/bin/unshare', ['-m', 'sh', '-c', HIDE_FONTS, 'sh', 'true']);
    return undefined;
  } catch (err) {
    return `unshare -m refused: ${(err as Error).message.split('\n')[0]}`;
  }
}

const skipReason = await canHideFonts();
if (skipReason) console.log(`skipping the hidden-system-fonts chart test: ${skipReason}`);

describe.skipIf(skipReason !== undefined)('charts with the system fonts hidden', () => {
  it('still have their title', async () => {
    const { stdout } = await run(
      '/usr/bin/unshare',
      [
        '-m',
        'sh',
        '-c',
        HIDE_FONTS,
        'sh',
        process.execPath,
        '--import',
        'tsx',
        'test/support/render-chart-child.ts',
      ],
      { cwd: root, maxBuffer: 16 * 1024 * 1024 },
    );
    const out = JSON.parse(stdout) as { png: string; systemOnly: string };
    const systemOnly = decodePng(Buffer.from(out.systemOnly, 'base64'));
    // Proof the fonts really were hidden: resvg found no system font to draw the title with.
    expect(darkPixels(systemOnly, TITLE_BAND.top, TITLE_BAND.bottom)).toBe(0);
    const chart = decodePng(Buffer.from(out.png, 'base64'));
    expect(darkPixels(chart, TITLE_BAND.top, TITLE_BAND.bottom)).toBeGreaterThan(1000);
  });
});
