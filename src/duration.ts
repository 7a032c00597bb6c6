// Durations in playbooks and env are human strings ("30s", "5m", "1h30m"); everything inside
// the bot is milliseconds.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION_RE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const PART_RE = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

export function isDuration(text: string): boolean {
  return DURATION_RE.test(text);
}

/** Parses "1h30m" → 5_400_000. Returns undefined for anything else. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION_RE.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(PART_RE)) total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0);
  return total;
}

/**
 * 5_400_000 → "1h30m", in the form parseDuration reads. Up to two days in hours (a silence of 24h
 * reads as it was chosen); beyond, in days: a week-long alert is "7d1h59m", not "169h59m".
 */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  const h = Math.floor(m / 60);
  const minutes = m % 60 ? `${m % 60}m` : '';
  if (h < 48) return `${h}h${minutes}`;
  return `${Math.floor(h / 24)}d${h % 24 ? `${h % 24}h` : ''}${minutes}`;
}
