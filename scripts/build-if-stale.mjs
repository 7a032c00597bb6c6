#!/usr/bin/env node
// `npm start` and `npm test` serve the build `npm ci` made (its `prepare` step) and rebuild only
// when a source is newer than it: a full TypeScript build takes ~16 s on two cores, and most
// starts change nothing. tsc rewrites every output file on each build, so the newest file in
// dist/ is the time of the last build.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
/** What tsconfig.build.json compiles, and the settings it compiles with. */
const SOURCES = ['src', 'commands', 'tsconfig.json', 'tsconfig.build.json'];

/** Newest mtime (ms) of the files under `path` whose names pass `keep`; 0 when there are none. */
export function newest(path, keep = () => true) {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return keep(path) ? st.mtimeMs : 0;
  let max = 0;
  for (const entry of readdirSync(path)) max = Math.max(max, newest(join(path, entry), keep));
  return max;
}

/** Why a build is needed, or undefined when dist/ is at least as new as every source. */
export function staleReason(root = ROOT) {
  const built = newest(join(root, 'dist'), (p) => p.endsWith('.js'));
  if (built === 0) return 'no build in dist/';
  const sources = Math.max(...SOURCES.map((s) => newest(join(root, s), (p) => /\.(ts|json)$/.test(p))));
  return sources > built ? 'sources changed since the last build' : undefined;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const reason = staleReason();
  if (reason) {
    console.log(`build: ${reason}; compiling (npm run build)`);
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const run = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], {
      stdio: 'inherit',
    });
    process.exitCode = run.status ?? 1;
  }
}
