// Permissions per command and channel: the pure decision, which rule applies (playbook over
// PERFBOT_ACCESS over the default: open for reading, approvers for changing), the file format
// with line numbers, and the gate that resolves user groups and audits refusals. Also the two
// variables this feature reads.
import { describe, expect, it } from 'vitest';
import { authorize } from '../../src/access/authorize.js';
import { AccessGate } from '../../src/access/gate.js';
import { parseAccessText } from '../../src/access/load.js';
import { type ResolvedRule, resolveRule } from '../../src/access/policy.js';
import { ACCESS_COMMANDS } from '../../src/access/schema.js';
import type { AuditInput } from '../../src/audit/types.js';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { Playbook } from '../../src/playbooks/schema.js';

const rule = (who: string[], channels?: string[]): ResolvedRule => ({
  command: 'silence',
  who,
  channels,
  source: 'default',
});

describe('authorize', () => {
  it('allows anyone, a listed user, a member of a listed group; refuses others with who may', () => {
    const subject = { user: 'U0ALICE', userGroups: [], channel: 'C0INC' };
    expect(authorize(rule(['anyone']), subject)).toEqual({ allowed: true, via: 'anyone' });
    expect(authorize(rule(['U0ALICE']), subject)).toEqual({ allowed: true, via: 'user' });
    expect(authorize(rule(['S0ONCALL']), { ...subject, userGroups: ['S0ONCALL'] })).toEqual({
      allowed: true,
      via: 'group S0ONCALL',
    });
    expect(authorize(rule(['U0BOB', 'S0ONCALL']), subject)).toEqual({
      allowed: false,
      reason: 'not-permitted',
      whoMay: ['U0BOB', 'S0ONCALL'],
    });
    expect(authorize(rule([]), subject)).toMatchObject({ allowed: false, whoMay: [] });
  });

  it('a group entry matches only its members, never a clicking ID that reads the same', () => {
    // The S0ONCALL group's ID arriving as the user: not a member, so refused.
    expect(authorize(rule(['S0ONCALL']), { user: 'S0ONCALL', userGroups: [], channel: 'C0INC' })).toEqual({
      allowed: false,
      reason: 'not-permitted',
      whoMay: ['S0ONCALL'],
    });
  });

  it("refuses outside the rule's channels, even for someone who may", () => {
    expect(
      authorize(rule(['anyone'], ['C0INC']), { user: 'U0X', userGroups: [], channel: 'C0OTHER' }),
    ).toEqual({
      allowed: false,
      reason: 'channel',
      whoMay: ['anyone'],
      channels: ['C0INC'],
    });
    expect(
      authorize(rule(['anyone'], ['C0INC']), { user: 'U0X', userGroups: [], channel: undefined }),
    ).toMatchObject({
      allowed: false,
      reason: 'channel',
    });
  });
});

const playbook = (access: Record<string, unknown> = {}, approvers: string[] = []) =>
  Playbook.parse({
    id: 'connector',
    title: 'Connector',
    target: { namespace: 'connectors' },
    checks: [{ id: 'hpa', kind: 'kubernetes.hpa', title: 'HPA' }],
    remediations: [
      {
        id: 'scale',
        title: 'Scale',
        action: 'kubernetes.scale',
        params: { workload: { kind: 'Deployment', name: 'c' }, by: 1, max: 4 },
        approval: { approvers },
      },
    ],
    access,
  });

describe('which rule applies', () => {
  const defaultApprovers = ['U0APPROVER', 'S0SRE'];

  it('defaults: read-only commands open to anyone, state-changing ones to the approvers', () => {
    for (const c of ACCESS_COMMANDS) {
      const r = resolveRule(c, { defaultApprovers });
      const open = ['diagnose', 'rerun', 'list', 'status', 'help', 'audit', 'timeline'].includes(c);
      expect([c, r.who]).toEqual([c, open ? ['anyone'] : defaultApprovers]);
      expect(r.source).toBe('default');
    }
    // The playbook's remediation approvers are its approvers.
    expect(
      resolveRule('silence', { defaultApprovers, playbook: playbook({}, ['U0PBAPPROVER']) }).who,
    ).toEqual(['U0PBAPPROVER']);
  });

  it('PERFBOT_ACCESS overrides the default; a playbook section overrides both', () => {
    const file = parseAccessText(
      'commands:\n  ack: { who: [anyone], channels: [C0INC] }\n  silence: { who: [approvers, U0LEAD] }\n',
      'access.yml',
    );
    expect(resolveRule('ack', { defaultApprovers, file })).toEqual({
      command: 'ack',
      who: ['anyone'],
      channels: ['C0INC'],
      source: 'PERFBOT_ACCESS',
    });
    expect(resolveRule('silence', { defaultApprovers, file }).who).toEqual(['U0APPROVER', 'S0SRE', 'U0LEAD']);
    const pb = playbook({ silence: { who: ['S0CONNECTORS'] } });
    expect(resolveRule('silence', { defaultApprovers, file, playbook: pb })).toMatchObject({
      who: ['S0CONNECTORS'],
      source: 'playbook connector',
    });
    expect(resolveRule('ack', { defaultApprovers, file, playbook: pb }).source).toBe('PERFBOT_ACCESS');
  });
});

describe('the PERFBOT_ACCESS file', () => {
  it('reports every problem with its line', () => {
    const text = [
      'commands:',
      '  silence:',
      '    who: [approvers]',
      '  silense:',
      '    who: [anyone]',
      '  ack:',
      '    who: [everyone]',
      '    channels: [general]',
    ].join('\n');
    const err = (() => {
      try {
        parseAccessText(text, 'access.yml');
      } catch (e) {
        return e;
      }
    })() as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.problems).toEqual([
      expect.stringMatching(/^PERFBOT_ACCESS access\.yml:4: commands\.silense: /),
      expect.stringMatching(/^PERFBOT_ACCESS access\.yml:7: commands\.ack\.who\.0: .*anyone, approvers/),
      expect.stringMatching(
        /^PERFBOT_ACCESS access\.yml:8: commands\.ack\.channels\.0: expected a Slack channel ID/,
      ),
    ]);
    expect(() => parseAccessText('commands: [', 'x.yml')).toThrow(/x\.yml:1: YAML/);
    expect(parseAccessText('', 'empty.yml')).toEqual({ commands: {} });
  });
});

describe('the access gate', () => {
  it('resolves group membership, allows members, refuses and audits the others', async () => {
    const audited: AuditInput[] = [];
    const lookups: string[] = [];
    const gate = new AccessGate({
      defaultApprovers: ['S0ONCALL'],
      resolveGroupMembers: async (g) => {
        lookups.push(g);
        return g === 'S0ONCALL' ? ['U0MEMBER'] : [];
      },
      audit: {
        append: async (e) => {
          audited.push(e);
          return {} as never;
        },
      },
      log: silentLogger,
    });
    const ok = await gate.check({
      command: 'ack',
      user: 'U0MEMBER',
      channel: 'C0INC',
      incidentId: 'inc-1-a',
    });
    expect(ok).toMatchObject({ allowed: true, via: 'group S0ONCALL' });
    const no = await gate.check({
      command: 'ack',
      user: 'U0OUTSIDER',
      channel: 'C0INC',
      incidentId: 'inc-1-a',
    });
    expect(no).toMatchObject({ allowed: false, whoMay: ['S0ONCALL'] });
    expect(no.text).toBe('You may not run /perf ack. Who may: members of @S0ONCALL.');
    expect(audited).toEqual([
      {
        actor: 'U0OUTSIDER',
        event: 'command.refused',
        incident: 'inc-1-a',
        details: {
          command: 'ack',
          channel: 'C0INC',
          reason: 'not-permitted',
          whoMay: ['S0ONCALL'],
          rule: 'default',
        },
      },
    ]);
    // Cached: one lookup for both checks; reading needs none.
    expect(lookups).toEqual(['S0ONCALL']);
    expect(await gate.check({ command: 'status', user: 'U0OUTSIDER', channel: 'C0INC' })).toMatchObject({
      allowed: true,
    });
  });

  it('refuses a group ID arriving as the user ID (approvers list S0ONCALL), and audits it', async () => {
    const audited: AuditInput[] = [];
    const gate = new AccessGate({
      defaultApprovers: ['U0ALICE', 'S0ONCALL'],
      resolveGroupMembers: async () => ['U0MEMBER'],
      audit: {
        append: async (e) => {
          audited.push(e);
          return {} as never;
        },
      },
      log: silentLogger,
    });
    const r = await gate.check({
      command: 'resolve',
      user: 'S0ONCALL',
      channel: 'C0INC',
      incidentId: 'inc-1-a',
    });
    expect(r).toMatchObject({ allowed: false, reason: 'not-permitted' });
    expect(audited).toEqual([
      expect.objectContaining({ actor: 'S0ONCALL', event: 'command.refused', incident: 'inc-1-a' }),
    ]);
    expect(
      await gate.check({ command: 'resolve', user: 'U0MEMBER', channel: 'C0INC', incidentId: 'inc-1-a' }),
    ).toMatchObject({ allowed: true, via: 'group S0ONCALL' });
  });

  it('says so when group membership could not be checked; nobody may when no approvers exist', async () => {
    const gate = new AccessGate({ defaultApprovers: ['S0ONCALL'], log: silentLogger });
    const r = await gate.check({ command: 'silence', user: 'U0X', channel: 'C0INC' });
    expect(r.text).toContain('could not be checked');
    const none = new AccessGate({ defaultApprovers: [], log: silentLogger });
    expect((await none.check({ command: 'resolve', user: 'U0X', channel: 'C0INC' })).text).toContain(
      'Who may: nobody (set PERFBOT_APPROVERS',
    );
  });
});

describe('configuration', () => {
  it('ALERTMANAGER_URL (comma-separated) and PERFBOT_ACCESS', () => {
    const c = loadConfig({
      ALERTMANAGER_URL: 'http://am-0:9093, http://am-1:9093',
      PERFBOT_ACCESS: '/etc/perfbot/access.yml',
    });
    expect(c.alertmanagerUrls).toEqual(['http://am-0:9093', 'http://am-1:9093']);
    expect(c.accessFile).toBe('/etc/perfbot/access.yml');
    expect(loadConfig({}).alertmanagerUrls).toEqual([]);
    expect(() => loadConfig({ ALERTMANAGER_URL: 'am-0:9093' })).toThrow(/ALERTMANAGER_URL: expected/);
    try {
      loadConfig({ ALERTMANAGER_URL: 'ftp://bot:hunter2@am' });
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
    }
  });
});
