// Holding a measured value against a check's thresholds. Pure: the engine times and calls the
// integration, this decides what the number means.
import { errorMessage } from '../errors.js';
import { redactText } from '../log.js';
import type { Check, Thresholds } from '../playbooks/schema.js';
import { formatThresholds, formatValue } from './format.js';
import type { CheckResult, CheckStatus, Measurement } from './types.js';

/** `above`: value > critical → critical, > warn → warn. `below` is the mirror image. */
export function thresholdStatus(value: number, thresholds: Thresholds | undefined): CheckStatus {
  if (!thresholds) return 'ok';
  const worse =
    thresholds.direction === 'below' ? (a: number, b: number) => a < b : (a: number, b: number) => a > b;
  if (thresholds.critical !== undefined && worse(value, thresholds.critical)) return 'critical';
  if (thresholds.warn !== undefined && worse(value, thresholds.warn)) return 'warn';
  return 'ok';
}

type Base = Pick<
  CheckResult,
  'checkId' | 'kind' | 'title' | 'section' | 'unit' | 'thresholds' | 'durationMs'
>;

function base(check: Check, durationMs: number): Base {
  return {
    checkId: check.id,
    kind: check.kind,
    title: check.title,
    section: check.section,
    unit: check.unit,
    thresholds: check.thresholds,
    durationMs,
  };
}

/** A Measurement becomes a verdict; a status the integration set wins over the thresholds. */
export function measuredResult(check: Check, m: Measurement, durationMs: number): CheckResult {
  const value = m.value !== undefined && Number.isFinite(m.value) ? m.value : undefined;
  const status: CheckStatus =
    m.status ?? (value === undefined ? 'unknown' : thresholdStatus(value, check.thresholds));
  const detail = m.summary ? redactText(m.summary) : undefined;
  let summary: string;
  if (value === undefined) summary = `${check.title}: ${detail ?? 'no data'}`;
  else {
    const limits = formatThresholds(check.thresholds, check.unit);
    summary = `${check.title} ${formatValue(value, check.unit)}${limits ? ` (${limits})` : ''}`;
    if (detail) summary += ` — ${detail}`;
  }
  return { ...base(check, durationMs), status, value, summary, detail, evidence: m.evidence };
}

export function skippedResult(check: Check, variable: string): CheckResult {
  return { ...base(check, 0), status: 'skipped', summary: `skipped: set ${variable}` };
}

/** Only while an integration is missing from the registry (the conformance test forbids it). */
export function unimplementedResult(check: Check): CheckResult {
  return {
    ...base(check, 0),
    status: 'skipped',
    summary: `skipped: no implementation of ${check.kind} registered`,
  };
}

const MAX_ERROR_CHARS = 300;

/** SDK errors can echo whole response bodies and credentials: first line, redacted, bounded. */
export function errorResult(check: Check, err: unknown, durationMs: number): CheckResult {
  const firstLine = errorMessage(err).split('\n')[0]?.trim() || 'failed';
  const text = redactText(firstLine);
  const message = text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS - 1)}…` : text;
  return { ...base(check, durationMs), status: 'error', summary: `error: ${message}` };
}
