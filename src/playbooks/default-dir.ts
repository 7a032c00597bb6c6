// Where playbooks are read from when PLAYBOOKS_DIR is not set: ./playbooks when the working
// directory has one (a checkout, or an installation with runbooks of its own), else the ones
// shipped in the package, so an installed `perfbot diagnose sentinel` works from any folder.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The package's own playbooks/ (found from this file, in src/ as in dist/src/). */
export function bundledPlaybooksDir(from: string = import.meta.dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'playbooks');
    if (dirname(dir) === dir) return join(from, 'playbooks');
  }
}

export function defaultPlaybooksDir(cwd: string = process.cwd()): string {
  return existsSync(join(cwd, 'playbooks')) ? './playbooks' : bundledPlaybooksDir();
}
