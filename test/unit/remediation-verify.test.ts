import { describe, expect, it } from 'vitest';
import type { CheckResult, CheckStatus } from '../../src/diagnostics/types.js';
import { isProposalId, newProposalId } from '../../src/remediation/proposal.js';
import { bullPrefix } from '../../src/remediation/queue.js';
import { judge } from '../../src/remediation/verify-job.js';

const r = (checkId: string, status: CheckStatus): CheckResult => ({
  checkId,
  kind: 'prometheus.query',
  title: checkId,
  status,
  summary: '',
  durationMs: 1,
});

describe('verification verdict', () => {
  it('passes when every check that ran is ok', () => {
    expect(judge([r('a', 'ok'), r('b', 'ok')])).toMatchObject({
      passed: true,
      summary: 'recovered: 2 check(s) ok',
    });
    expect(judge([r('a', 'ok'), r('b', 'skipped')]).summary).toBe(
      'recovered: 1 check(s) ok, 1 could not run',
    );
  });
  it('fails when a check is still warn or critical', () => {
    expect(judge([r('a', 'ok'), r('b', 'warn')])).toMatchObject({
      passed: false,
      summary: 'not recovered: b is warn',
    });
  });
  it('fails as inconclusive when nothing could run', () => {
    expect(judge([r('a', 'skipped'), r('b', 'error')])).toMatchObject({
      passed: false,
      summary: 'inconclusive: no check could run (a skipped, b error)',
    });
    expect(judge([]).passed).toBe(false);
  });
});

describe('proposal IDs', () => {
  it('are valid BullMQ job IDs: never an integer, never a colon, and unique', () => {
    const ids = new Set(Array.from({ length: 1000 }, newProposalId));
    expect(ids.size).toBe(1000);
    for (const id of ids) {
      expect(isProposalId(id)).toBe(true);
      expect(id).not.toContain(':');
      expect(Number.isInteger(Number(id))).toBe(false);
    }
  });
  it('BullMQ prefix drops the trailing colon of ours', () => {
    expect(bullPrefix('perfbot:')).toBe('perfbot');
    expect(bullPrefix('t1234:')).toBe('t1234');
  });
});
