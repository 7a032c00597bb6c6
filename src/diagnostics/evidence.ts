// Evidence and action parameters as short plain-text lines, for any renderer: the terminal
// prints them as they are, Slack wraps them in its own markup. Bounded, because a log sample or
// a query text can be arbitrarily long and a report must stay readable.
import type { Unit } from '../playbooks/schema.js';
import { formatNumber, formatValue } from './format.js';
import type { Evidence, Series } from './types.js';

export interface EvidenceLimits {
  rows: number;
  samples: number;
  chars: number;
  series: number;
}

const DEFAULT_LIMITS: EvidenceLimits = { rows: 3, samples: 3, chars: 160, series: 2 };

export function clip(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

/**
 * What makes a check's value believable, without saying the value again: the top rows (a row's
 * `value` cell in the check's unit, dropped when the one row is the value itself), log samples,
 * counts (when there are no rows, and not a count that is the value), the trend of each series.
 */
export function evidenceLines(
  check: { evidence?: Evidence | undefined; unit?: Unit | undefined; value?: number | undefined },
  limits: EvidenceLimits = DEFAULT_LIMITS,
): string[] {
  const { evidence, unit, value } = check;
  if (!evidence) return [];
  const lines: string[] = [];
  const same = (v: unknown) => typeof v === 'number' && value !== undefined && sameNumber(v, value);
  const rows = evidence.rows ?? [];
  for (const row of rows.slice(0, limits.rows)) {
    const cells = Object.entries(row)
      .filter(([k, v]) => !(rows.length === 1 && k === 'value' && same(v)))
      .map(([k, v]) => `${k}=${cell(k, v, unit)}`);
    if (cells.length > 0) lines.push(clip(cells.join(' '), limits.chars));
  }
  if (rows.length > limits.rows) lines.push(`… ${rows.length - limits.rows} more rows`);
  const counts = Object.entries(evidence.counts ?? {}).filter(([, v]) => !same(v));
  if (rows.length === 0 && counts.length > 0)
    lines.push(clip(counts.map(([k, v]) => `${k}: ${formatNumber(v)}`).join(', '), limits.chars));
  for (const sample of (evidence.samples ?? []).slice(0, limits.samples))
    lines.push(`> ${clip(sample, limits.chars)}`);
  for (const series of (evidence.series ?? []).slice(0, limits.series)) {
    const line = seriesLine(series, unit);
    if (line) lines.push(clip(line, limits.chars));
  }
  return lines;
}

function sameNumber(a: number, b: number): boolean {
  return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

function cell(key: string, v: unknown, unit: Unit | undefined): string {
  if (v === null || v === undefined) return '∅';
  if (key === 'value' && typeof v === 'number') return formatValue(v, unit);
  return String(v);
}

function seriesLine(series: Series, unit?: Unit): string | undefined {
  const values = series.points.map((p) => p.v).filter(Number.isFinite);
  const first = values[0];
  const last = values.at(-1);
  if (first === undefined || last === undefined) return undefined;
  const f = (v: number) => formatValue(v, unit);
  const labels = Object.entries(series.labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const name = labels ? `${series.name}{${labels}}` : series.name;
  return `${name}: ${f(first)} → ${f(last)}, min ${f(Math.min(...values))}, max ${f(Math.max(...values))} over ${values.length} points`;
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
