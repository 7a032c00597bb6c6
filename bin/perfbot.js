#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run by `npm ci` via prepare).
import module from 'node:module';

// Node ≥ 22.1 (our image runs 24) keeps V8's compiled code on disk between runs, which makes
// every start after the first faster; Node 20 has no such cache and skips this. A cache folder
// that cannot be written (a read-only file system) only disables it.
module.enableCompileCache?.();
const { main } = await import('../dist/commands/cli.js');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`perfbot: ${err instanceof Error ? err.message : err}`);
    process.exitCode = 1;
  },
);
