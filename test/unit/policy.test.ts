import { describe, expect, it } from 'vitest';
import { Remediation } from '../../src/playbooks/schema.js';
import {
  cachedGroupResolver,
  checkApprover,
  policyWarnings,
  resolvePolicy,
} from '../../src/remediation/policy.js';

const remediation = (action: string, approval: Record<string, unknown> = {}) =>
  Remediation.parse({ id: 'r', title: 'R', action, params: {}, approval });

describe('resolvePolicy', () => {
  it('falls back to PERFBOT_APPROVERS when the playbook lists nobody, and to the kind’s default M', () => {
    expect(resolvePolicy(remediation('kubernetes.scale'), ['U111', 'S222'])).toEqual({
      approvers: ['U111', 'S222'],
      required: 1,
      allowSelfApproval: false,
    });
  });

  it('needs two approvals for kafka.partitions (irreversible) unless the playbook says otherwise', () => {
    expect(resolvePolicy(remediation('kafka.partitions'), ['U111']).required).toBe(2);
    expect(resolvePolicy(remediation('kafka.partitions', { required: 3 }), ['U111']).required).toBe(3);
  });

  it('uses the playbook’s own approvers over the defaults, each once', () => {
    const p = resolvePolicy(
      remediation('kubernetes.restart', { approvers: ['U999', 'U999'], allowSelfApproval: true }),
      ['U111'],
    );
    expect(p).toEqual({ approvers: ['U999'], required: 1, allowSelfApproval: true });
  });
});

describe('policyWarnings', () => {
  it('says when nobody can approve', () => {
    expect(policyWarnings({ approvers: [], required: 1, allowSelfApproval: false }, 'U1')[0]).toMatch(
      /nobody/,
    );
  });
  it('says when listed users cannot reach M (the requester does not count without self-approval)', () => {
    expect(
      policyWarnings({ approvers: ['U111', 'U222'], required: 2, allowSelfApproval: false }, 'U111'),
    ).toEqual(['needs 2 approvals but only 1 listed approver(s) can give one']);
    expect(
      policyWarnings({ approvers: ['U111', 'U222'], required: 2, allowSelfApproval: true }, 'U111'),
    ).toEqual([]);
  });
  it('cannot count heads of a group, so does not warn then', () => {
    expect(policyWarnings({ approvers: ['S111'], required: 3, allowSelfApproval: false }, 'U1')).toEqual([]);
  });
});

describe('checkApprover', () => {
  it('accepts listed users and group members, naming the group', async () => {
    const members = async (g: string) => (g === 'S100' ? ['U200'] : []);
    expect(await checkApprover('U111', ['U111'], undefined)).toEqual({ eligible: true, unresolved: [] });
    expect(await checkApprover('U200', ['U111', 'S100'], members)).toEqual({
      eligible: true,
      via: 'S100',
      unresolved: [],
    });
    expect(await checkApprover('U300', ['U111', 'S100'], members)).toEqual({
      eligible: false,
      unresolved: [],
    });
  });
  it('reports groups it could not resolve instead of guessing', async () => {
    const failing = async () => {
      throw new Error('ratelimited');
    };
    expect(await checkApprover('U200', ['S100'], failing)).toEqual({ eligible: false, unresolved: ['S100'] });
    expect(await checkApprover('U200', ['S100'], undefined)).toEqual({
      eligible: false,
      unresolved: ['S100'],
    });
  });
});

describe('cachedGroupResolver', () => {
  it('caches members for the TTL, shares concurrent lookups, and does not cache failures', async () => {
    let t = 0;
    let calls = 0;
    let fail = true;
    const resolve = cachedGroupResolver(
      async () => {
        calls++;
        if (fail) throw new Error('down');
        return ['U1'];
      },
      { ttlMs: 1000, now: () => t },
    );
    await expect(resolve('S1')).rejects.toThrow('down');
    fail = false;
    expect(await Promise.all([resolve('S1'), resolve('S1')])).toEqual([['U1'], ['U1']]);
    expect(calls).toBe(2);
    t = 999;
    await resolve('S1');
    expect(calls).toBe(2);
    t = 2000;
    await resolve('S1');
    expect(calls).toBe(3);
  });
});

describe('checkApprover: exact matching by kind', () => {
  const members = async (g: string) => ({ S0SRE: ['UALICE'], S0DBA: ['UALICE', 'UBOB'] })[g] ?? [];
  it('never matches a group entry against the clicking ID itself', async () => {
    expect(await checkApprover('S0SRE', ['S0SRE'], members)).toEqual({ eligible: false, unresolved: [] });
    expect(await checkApprover('S0SRE', ['S0SRE'], undefined)).toEqual({ eligible: false, unresolved: [] });
  });
  it('matches user entries only for user IDs (U…, W…)', async () => {
    expect(await checkApprover('W0GRID', ['W0GRID'], undefined)).toMatchObject({ eligible: true });
    expect(await checkApprover('B0BOT', ['B0BOT'], undefined)).toMatchObject({ eligible: false });
  });
  it('a user in two groups is eligible through the first, named once', async () => {
    expect(await checkApprover('UALICE', ['S0SRE', 'S0DBA'], members)).toEqual({
      eligible: true,
      via: 'S0SRE',
      unresolved: [],
    });
  });
  it('a removed member loses eligibility when the cached membership expires', async () => {
    let t = 0;
    const group = new Set(['UALICE', 'UBOB']);
    const resolve = cachedGroupResolver(async () => [...group], { ttlMs: 60_000, now: () => t });
    expect((await checkApprover('UBOB', ['S0SRE'], resolve)).eligible).toBe(true);
    group.delete('UBOB');
    t = 60_000;
    expect((await checkApprover('UBOB', ['S0SRE'], resolve)).eligible).toBe(false);
  });
});
