// /perf ack, resolve and silence through the one dispatcher, on real Redis: who owns the
// incident, resolution by hand, silences with validated durations, the incident argument left
// out inside a thread, and the access rules (allowed, refused with who may, audited; the CLI is
// not checked).
import type { Redis } from 'ioredis';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { dispatch } from '../../commands/index.js';
import { AccessGate } from '../../src/access/gate.js';
import { parseAccessText } from '../../src/access/load.js';
import type { AlertBatch } from '../../src/alerts/schema.js';
import { AuditTrail } from '../../src/audit/trail.js';
import {
  type CommandContext,
  type Invoker,
  incidentActions,
  incidentDirectory,
} from '../../src/chat/command.js';
import { renderPlain } from '../../src/chat/plain.js';
import { IncidentLifecycle } from '../../src/incidents/lifecycle.js';
import type { SilenceOutcome } from '../../src/incidents/silences.js';
import { IncidentStore } from '../../src/incidents/store.js';
import { silentLogger } from '../../src/log.js';
import { PlaybookCatalog } from '../../src/playbooks/catalog.js';
import { routeAlert } from '../../src/playbooks/route.js';
import { type LoadedPlaybook, Playbook } from '../../src/playbooks/schema.js';
import { testRedis } from '../support/redis.js';

const pb = (id: string, access: Record<string, unknown> = {}): LoadedPlaybook => ({
  ...Playbook.parse({
    id,
    title: id,
    target: { namespace: 'n' },
    triggers: [{ labels: { playbook: id } }],
    checks: [{ id: 'hpa', kind: 'kubernetes.hpa', title: 'HPA' }],
    access,
  }),
  file: `${id}.yml`,
});
const catalog = new PlaybookCatalog([pb('connector'), pb('guarded', { ack: { who: ['U0LEAD'] } })]);
const APPROVER = 'U0APPROVER';
const clients: Redis[] = [];
afterAll(() => {
  for (const c of clients) c.disconnect();
});

function batch(group: string, playbook: string): AlertBatch {
  return {
    source: 'alertmanager',
    group,
    meta: { externalURL: 'http://am:9093' },
    alerts: [
      {
        source: 'alertmanager',
        name: 'ConnectorSlow',
        status: 'firing',
        labels: { alertname: 'ConnectorSlow', playbook, namespace: group, severity: 'warning' },
        annotations: {},
        startsAt: '2024-05-03T12:00:00.000Z',
        fingerprint: `fp-${group}`,
      },
    ],
  };
}

let t: ReturnType<typeof setup>;
function setup(accessYaml?: string) {
  const { redis, prefix } = testRedis();
  clients.push(redis);
  const store = new IncidentStore({ redis, prefix });
  const lifecycle = new IncidentLifecycle({ redis, prefix });
  const audit = new AuditTrail({ redis, prefix });
  const silenced: { id: string; input: unknown }[] = [];
  const silence = async (id: string, input: unknown): Promise<SilenceOutcome> => {
    silenced.push({ id, input });
    return { outcome: 'no-alertmanager', reason: 'test double' };
  };
  const gate = new AccessGate({
    defaultApprovers: [APPROVER],
    file: accessYaml ? parseAccessText(accessYaml, 'access.yml') : undefined,
    audit,
    log: silentLogger,
  });
  const ctx = (invoker: Invoker): CommandContext => ({
    catalog,
    invoker,
    now: () => new Date(),
    log: silentLogger,
    incidents: incidentDirectory(store),
    incidentActions: {
      ...incidentActions({ store, lifecycle }),
      silence,
      expireSilences: async () => ({ expired: [], failed: [] }),
    },
    access: gate,
  });
  const open = async (group: string, playbook = 'connector', thread?: string) => {
    const r = await store.apply(
      batch(group, playbook),
      batch(group, playbook).alerts.map((a) => routeAlert(a, catalog)),
    );
    const id = r.incidents[0] as string;
    if (thread) await store.setThread(id, 'C0INC', thread);
    return id;
  };
  const run = async (text: string, invoker: Invoker) => {
    const r = await dispatch(text, ctx(invoker));
    return { ...r, plain: renderPlain(r.message) };
  };
  return { store, audit, silenced, open, run };
}

const slack = (userId: string, channelId = 'C0INC', threadTs?: string): Invoker => ({
  kind: 'slack',
  userId,
  channelId,
  threadTs,
});
const refusals = async () =>
  (await t.audit.readTrail()).filter((e) => e.event === 'command.refused').map((e) => [e.actor, e.details]);

describe('/perf ack and resolve', () => {
  beforeEach(() => {
    t = setup();
  });

  it('ack records the owner; again is a no-op; resolve closes it and says so', async () => {
    const id = await t.open('ns1');
    const ack = await t.run(`ack ${id}`, slack(APPROVER));
    expect(ack).toMatchObject({ exitCode: 0, visibility: 'ephemeral' });
    expect(ack.plain).toContain(`You own ${id} (ConnectorSlow) now.`);
    expect((await t.store.get(id))?.acknowledgedBy).toBe(APPROVER);
    expect((await t.run(`ack ${id}`, slack(APPROVER))).plain).toContain('already; nothing changed');

    const resolved = await t.run(`resolve ${id}`, slack(APPROVER));
    expect(resolved.plain).toContain(`Resolved ${id} (ConnectorSlow); its pending proposals are retired.`);
    expect(await t.store.get(id)).toMatchObject({ status: 'resolved', resolvedBy: APPROVER });
    expect((await t.run(`resolve ${id}`, slack(APPROVER))).plain).toContain(
      `already resolved by @${APPROVER}`,
    );
    expect((await t.run(`ack ${id}`, slack(APPROVER))).exitCode).toBe(1);
  });

  it('inside a thread the incident may be left out; several open ones get a question back', async () => {
    const a = await t.open('ns1', 'connector', '111.000');
    const b = await t.open('ns2', 'connector', '222.000');
    expect((await t.run('ack', slack(APPROVER, 'C0INC', '222.000'))).plain).toContain(`You own ${b}`);
    const which = await t.run('ack', slack(APPROVER));
    expect(which.exitCode).toBe(2);
    expect(which.plain).toContain('2 are open here');
    expect(which.plain).toContain(a);
    expect((await t.run('resolve not-an-id', slack(APPROVER))).plain).toContain('is not an incident ID');
  });

  it('refuses someone who may not, says who may, audits it; reading stays open; the CLI is not checked', async () => {
    const id = await t.open('ns1');
    const no = await t.run(`ack ${id}`, slack('U0OUTSIDER'));
    expect(no.exitCode).toBe(1);
    expect(no.plain).toContain(`You may not run /perf ack. Who may: @${APPROVER}.`);
    expect((await t.store.get(id))?.acknowledgedBy).toBeUndefined();
    expect((await t.run(`resolve ${id}`, slack('U0OUTSIDER'))).exitCode).toBe(1);
    expect(await refusals()).toEqual([
      [
        'U0OUTSIDER',
        { command: 'ack', channel: 'C0INC', reason: 'not-permitted', whoMay: [APPROVER], rule: 'default' },
      ],
      [
        'U0OUTSIDER',
        {
          command: 'resolve',
          channel: 'C0INC',
          reason: 'not-permitted',
          whoMay: [APPROVER],
          rule: 'default',
        },
      ],
    ]);
    expect((await t.run('status', slack('U0OUTSIDER'))).plain).toContain(id);
    expect((await t.run(`ack ${id}`, { kind: 'cli', user: 'ops' })).plain).toContain('You own');
    expect((await t.store.get(id))?.acknowledgedBy).toBe('cli:ops');
  });

  it("a playbook's access section rules its incidents", async () => {
    const id = await t.open('ns9', 'guarded');
    const approver = await t.run(`ack ${id}`, slack(APPROVER));
    expect(approver.plain).toContain('Who may: @U0LEAD.');
    expect((await t.run(`ack ${id}`, slack('U0LEAD'))).plain).toContain('You own');
    expect((await refusals())[0]?.[1]).toMatchObject({ rule: 'playbook guarded' });
  });
});

describe('PERFBOT_ACCESS', () => {
  it('a command open to anyone but only in one channel', async () => {
    t = setup('commands:\n  ack: { who: [anyone], channels: [C0INC] }\n');
    const id = await t.open('ns1');
    expect((await t.run(`ack ${id}`, slack('U0ANYONE', 'C0INC'))).plain).toContain('You own');
    const elsewhere = await t.run(`ack ${id}`, slack('U0ANYONE', 'C0RANDOM'));
    expect(elsewhere.plain).toContain('/perf ack is not allowed in this channel; use it in #C0INC');
    expect((await refusals())[0]).toEqual([
      'U0ANYONE',
      {
        command: 'ack',
        channel: 'C0RANDOM',
        reason: 'channel',
        whoMay: ['anyone'],
        channels: ['C0INC'],
        rule: 'PERFBOT_ACCESS',
      },
    ]);
  });
});

describe('/perf silence', () => {
  beforeEach(() => {
    t = setup();
  });

  it('validates the duration, then asks for a silence with the person and the comment', async () => {
    const id = await t.open('ns1', 'connector', '111.000');
    for (const bad of ['10s', '31d', 'soon']) {
      const r = await t.run(`silence ${id} ${bad}`, slack(APPROVER));
      expect([bad, r.exitCode]).toEqual([bad, 2]);
      expect(r.plain).toContain('use 1m to 30d');
    }
    expect((await t.run(`silence ${id}`, slack(APPROVER))).plain).toContain(
      'Usage: /perf silence <incident>',
    );
    const r = await t.run(`silence ${id} 4h "deploying the fix"`, slack(APPROVER));
    expect(r.plain).toContain('Cannot silence');
    expect(r.plain).toContain('test double');
    // Left out inside the thread: the thread's incident.
    await t.run('silence 1h', slack(APPROVER, 'C0INC', '111.000'));
    expect(t.silenced).toEqual([
      { id, input: { user: APPROVER, durationMs: 4 * 3_600_000, comment: 'deploying the fix' } },
      { id, input: { user: APPROVER, durationMs: 3_600_000, comment: undefined } },
    ]);
    expect((await t.run(`silence ${id} expire`, slack(APPROVER))).plain).toContain('has no active silence');
  });

  it('needs the approvers by default, like approving', async () => {
    const id = await t.open('ns1');
    const no = await t.run(`silence ${id} 1h`, slack('U0OUTSIDER'));
    expect(no.plain).toContain('You may not run /perf silence');
    expect(t.silenced).toEqual([]);
  });
});
