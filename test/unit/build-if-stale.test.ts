// `npm start` and `npm test` compile only when a source is newer than the build in dist/.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const { staleReason } = (await import(join(ROOT, 'scripts', 'build-if-stale.mjs'))) as {
  staleReason(root: string): string | undefined;
};

describe('build-if-stale', () => {
  const root = mkdtempSync(join(tmpdir(), 'perfbot-stale-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const file = (path: string, secondsAgo: number) => {
    const full = join(root, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, '');
    const t = new Date(Date.now() - secondsAgo * 1000);
    utimesSync(full, t, t);
  };

  it('builds when there is no build', () => {
    file('src/app.ts', 100);
    expect(staleReason(root)).toBe('no build in dist/');
  });

  it('serves the build when it is newer than every source', () => {
    file('tsconfig.json', 200);
    file('commands/list.ts', 150);
    file('dist/src/app.js', 50);
    file('dist/commands/list.js', 50);
    expect(staleReason(root)).toBeUndefined();
  });

  it('builds again when a source, or the compiler settings, changed since', () => {
    file('commands/list.ts', 10);
    expect(staleReason(root)).toBe('sources changed since the last build');
    file('commands/list.ts', 150);
    file('tsconfig.build.json', 5);
    expect(staleReason(root)).toBe('sources changed since the last build');
  });
});
