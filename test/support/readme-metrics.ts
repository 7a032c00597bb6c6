// README.md's "Metrics" section as data: the table of perfbot's own series (name, type, labels)
// and the default collectors it names in prose, so tests can hold it against what /metrics serves.
import { readFileSync } from 'node:fs';

export interface DocumentedMetric {
  name: string;
  type: string;
  labels: string[];
}

function metricsSection(): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  return readme.split('\n## ').find((s) => s.startsWith('Metrics\n')) ?? '';
}

/** Rows of the table: | `perfbot_x` | counter | `a`, `b` | what … | ("—" for no labels). */
export function documentedMetrics(): DocumentedMetric[] {
  return [...metricsSection().matchAll(/^\| `(perfbot_[a-z_]+)` \| (\w+) \| ([^|]*) \|/gm)].map((m) => ({
    name: m[1] as string,
    type: m[2] as string,
    labels: [...(m[3] as string).matchAll(/`([a-z_]+)`/g)].map((l) => l[1] as string),
  }));
}

/** The row's full text (what each label value means), for checks on documented values. */
export function documentedRow(name: string): string {
  return (
    metricsSection()
      .split('\n')
      .find((l) => l.startsWith(`| \`${name}\` |`)) ?? ''
  );
}

/** `process_*` / `nodejs_*` names the prose before the table promises. */
export function documentedDefaultCollectors(): string[] {
  const prose = metricsSection().split('\n| metric |')[0] ?? '';
  return [...prose.matchAll(/`((?:process|nodejs)_[a-z0-9_]+)`/g)].map((m) => m[1] as string);
}

/** `# TYPE name type` lines of an exposition, as name → type. */
export function exposedTypes(text: string): Map<string, string> {
  return new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1] as string, m[2] as string]));
}
