// Evidence and action parameters as short plain-text lines, for any renderer: the terminal
// prints them as they are, Slack wraps them in its own markup. Bounded, because a log sample or
// a query text can be arbitrarily long and a report must stay readable.
import type { Unit } from '../playbooks/schema.js';
import { formatValue } from './format.js';
import type { Evidence, Series } from './types.js';

export interface EvidenceLimits {
  rows: number;
  samples: number;
  chars: number;
}

const DEFAULT_LIMITS: EvidenceLimits = { rows: 5, samples: 3, chars: 160 };

export function clip(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

export function evidenceLines(
  evidence: Evidence | undefined,
  unit?: Unit,
  limits: EvidenceLimits = DEFAULT_LIMITS,
): string[] {
  if (!evidence) return [];
  const lines: string[] = [];
  const counts = Object.entries(evidence.counts ?? {});
  if (counts.length > 0) lines.push(clip(counts.map(([k, v]) => `${k}: ${v}`).join(', '), limits.chars));
  const rows = evidence.rows ?? [];
  for (const row of rows.slice(0, limits.rows)) {
    const cells = Object.entries(row).map(([k, v]) => `${k}=${v === null ? '∅' : String(v)}`);
    lines.push(clip(cells.join(' '), limits.chars));
  }
  if (rows.length > limits.rows) lines.push(`… ${rows.length - limits.rows} more rows`);
  for (const sample of (evidence.samples ?? []).slice(0, limits.samples))
    lines.push(`> ${clip(sample, limits.chars)}`);
  for (const series of evidence.series ?? []) {
    const line = seriesLine(series, unit);
    if (line) lines.push(clip(line, limits.chars));
  }
  return lines;
}

function seriesLine(series: Series, unit?: Unit): string | undefined {
  const values = series.points.map((p) => p.v).filter(Number.isFinite);
  const last = values.at(-1);
  if (last === undefined) return undefined;
  const f = (v: number) => formatValue(v, unit);
  const labels = Object.entries(series.labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const name = labels ? `${series.name}{${labels}}` : series.name;
  return `${name}: last ${f(last)}, min ${f(Math.min(...values))}, max ${f(Math.max(...values))} over ${values.length} points`;
}

/**
 * Parameters of an action as "key=value" pairs: workloads as Kind/name, nested objects as dotted
 * keys. What an approver needs to see to know what will change.
 */
export function formatParams(params: Record<string, unknown>): string {
  const pairs: string[] = [];
  const walk = (value: unknown, key: string) => {
    if (value === undefined) return;
    if (isWorkload(value)) pairs.push(`${key}=${value.kind}/${value.name}`);
    else if (Array.isArray(value)) pairs.push(`${key}=${value.map(String).join(',')}`);
    else if (value !== null && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) walk(v, key ? `${key}.${k}` : k);
    else pairs.push(`${key}=${String(value)}`);
  };
  walk(params, '');
  return pairs.join(' ');
}

function isWorkload(v: unknown): v is { kind: string; name: string } {
  if (v === null || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return Object.keys(o).length === 2 && typeof o.kind === 'string' && typeof o.name === 'string';
}
