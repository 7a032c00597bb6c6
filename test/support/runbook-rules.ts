// The runbooks' own Prometheus rules, as printed. test/fixtures/runbook-rules/ keeps a copy so the
// tests run anywhere; where the runbooks themselves are found (a `shared/runbooks` folder beside
// an ancestor of the repository, as in our workspace) the copy is checked against them.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(import.meta.dirname, '..', '..');
export const RUNBOOK_RULES_DIR = join(ROOT, 'test', 'fixtures', 'runbook-rules');

export interface RunbookRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The fixture copy of a runbook's rule file, text as printed. */
export function runbookRulesText(runbook: string): string {
  return readFileSync(join(RUNBOOK_RULES_DIR, `${runbook}.yml`), 'utf8');
}

export function runbookRules(runbook: string): RunbookRule[] {
  const doc = parse(runbookRulesText(runbook)) as { groups: { rules: RunbookRule[] }[] };
  return doc.groups.flatMap((g) => g.rules);
}

/** The runbook markdown, searched upwards from the repository; undefined when not around. */
export function findRunbook(runbook: string): string | undefined {
  for (let dir = ROOT; ; dir = dirname(dir)) {
    const candidate = join(dir, 'shared', 'runbooks', `${runbook}.md`);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The first ```yaml block after `heading` in a runbook, exactly as printed. */
export function yamlBlockAfter(markdown: string, heading: string): string | undefined {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trim() === heading);
  if (start < 0) return undefined;
  const open = lines.findIndex((l, i) => i > start && l.startsWith('```yaml'));
  const close = lines.findIndex((l, i) => i > open && l.startsWith('```'));
  if (open < 0 || close < 0) return undefined;
  return `${lines.slice(open + 1, close).join('\n')}\n`;
}
