import { describe, expect, it } from 'vitest';
import {
  byStatus,
  CHECK_STATUSES,
  formatCounts,
  isMeasured,
  isOutOfRange,
  statusCounts,
  worstStatus,
} from '../../src/diagnostics/status.js';

describe('the status model', () => {
  it('ranks statuses: critical over warn over error over unknown over ok; skipped last', () => {
    expect(CHECK_STATUSES).toEqual(['critical', 'warn', 'error', 'unknown', 'ok', 'skipped']);
    expect(worstStatus(['ok', 'skipped'])).toBe('ok');
    expect(worstStatus(['error', 'warn'])).toBe('warn');
    expect(worstStatus(['unknown', 'error'])).toBe('error');
    expect(worstStatus(['ok', 'critical', 'warn'])).toBe('critical');
  });

  it('never calls a run that looked at nothing "ok"', () => {
    expect(worstStatus([])).toBe('skipped');
    expect(worstStatus(['skipped', 'skipped'])).toBe('skipped');
  });

  it('sorts worst first, keeping the order of equals', () => {
    const items = ['ok', 'skipped', 'critical', 'ok', 'error'].map((status, i) => ({ status, i })) as {
      status: (typeof CHECK_STATUSES)[number];
      i: number;
    }[];
    expect(items.sort(byStatus).map((x) => `${x.status}${x.i}`)).toEqual([
      'critical2',
      'error4',
      'ok0',
      'ok3',
      'skipped1',
    ]);
  });

  it('knows what counts as out of range and as measured', () => {
    expect(CHECK_STATUSES.filter(isOutOfRange)).toEqual(['critical', 'warn']);
    expect(CHECK_STATUSES.filter(isMeasured)).toEqual(['critical', 'warn', 'ok']);
  });

  it('counts and prints only the statuses present, worst first', () => {
    const counts = statusCounts([
      { status: 'skipped' },
      { status: 'ok' },
      { status: 'critical' },
      { status: 'ok' },
    ]);
    expect(counts).toEqual({ critical: 1, warn: 0, error: 0, unknown: 0, ok: 2, skipped: 1 });
    expect(formatCounts(counts)).toBe('1 critical · 2 ok · 1 skipped');
    expect(formatCounts(statusCounts([]))).toBe('');
  });
});
