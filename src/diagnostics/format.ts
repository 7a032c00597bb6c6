// Values as a person reads them: 0.42 s is "420 ms", 1610612736 bytes is "1.5 GiB", a ratio of
// 0.91 is "91%". Shared by the engine's one-line summaries and every renderer, so the terminal,
// Slack and the JSON summary never disagree about a number.
import { formatDuration } from '../duration.js';
import type { Thresholds, Unit } from '../playbooks/schema.js';

/** Three significant digits below 100, whole numbers with thousands separators above. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 100 || Number.isInteger(x)) return Math.round(x).toLocaleString('en-US');
  return String(Number.parseFloat(x.toPrecision(3)));
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

function formatBytes(v: number): string {
  let i = 0;
  let scaled = v;
  while (Math.abs(scaled) >= 1024 && i < BYTE_UNITS.length - 1) {
    scaled /= 1024;
    i++;
  }
  const digits = i === 0 ? Math.round(scaled).toString() : String(Number.parseFloat(scaled.toPrecision(3)));
  return `${digits} ${BYTE_UNITS[i]}`;
}

function formatSeconds(v: number): string {
  if (Math.abs(v) < 1) return `${formatNumber(v * 1000)} ms`;
  if (Math.abs(v) < 120) return `${formatNumber(v)} s`;
  return formatDuration(v * 1000);
}

export function formatValue(value: number, unit?: Unit): string {
  if (!Number.isFinite(value)) return String(value);
  switch (unit) {
    case 's':
      return formatSeconds(value);
    case 'ms':
      return Math.abs(value) < 1000 ? `${formatNumber(value)} ms` : formatSeconds(value / 1000);
    case 'bytes':
      return formatBytes(value);
    case 'ratio':
      return `${formatNumber(value * 100)}%`;
    case 'percent':
      return `${formatNumber(value)}%`;
    case 'per_second':
      return `${formatNumber(value)}/s`;
    case 'cores':
      return `${formatNumber(value)} ${value === 1 ? 'core' : 'cores'}`;
    case 'messages':
      return `${formatNumber(value)} ${value === 1 ? 'message' : 'messages'}`;
    default:
      return formatNumber(value);
  }
}

/** "warn > 100 ms, critical > 500 ms"; undefined when there is nothing to hold a value against. */
export function formatThresholds(t: Thresholds | undefined, unit?: Unit): string | undefined {
  if (!t || (t.warn === undefined && t.critical === undefined)) return undefined;
  const op = t.direction === 'below' ? '<' : '>';
  const parts: string[] = [];
  if (t.warn !== undefined) parts.push(`warn ${op} ${formatValue(t.warn, unit)}`);
  if (t.critical !== undefined) parts.push(`critical ${op} ${formatValue(t.critical, unit)}`);
  return parts.join(', ');
}
