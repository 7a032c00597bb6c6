// `perfbot validate [DIR]`: every problem as `file:line: message` (exit 1), or a one-line summary.
import { loadPlaybookDir } from '../src/playbooks/loader.js';

export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export async function validateCommand(dir: string, io: Output): Promise<number> {
  const { playbooks, problems } = await loadPlaybookDir(dir);
  if (problems.length > 0) {
    for (const p of problems) io.err(`${p.file}:${p.line}: ${p.message}`);
    io.err(`${problems.length} problem${problems.length === 1 ? '' : 's'} in ${dir}`);
    return 1;
  }
  const count = (f: (pb: (typeof playbooks)[number]) => number) => playbooks.reduce((n, pb) => n + f(pb), 0);
  io.out(
    `${playbooks.length} playbooks valid in ${dir}: ${count((p) => p.checks.length)} checks, ` +
      `${count((p) => p.remediations.length)} remediations, ${count((p) => p.advice.length)} advice, ` +
      `${count((p) => p.triggers.length)} triggers`,
  );
  return 0;
}
