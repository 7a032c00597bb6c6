import { describe, expect, it } from 'vitest';
import { COMMANDS, dispatch, tokenize } from '../../commands/index.js';
import type { CommandContext, Invoker } from '../../src/chat/command.js';
import { renderPlain } from '../../src/chat/plain.js';
import { silentLogger } from '../../src/log.js';
import { PlaybookCatalog } from '../../src/playbooks/catalog.js';
import { loadPlaybooksOrThrow } from '../../src/playbooks/loader.js';

const catalog = new PlaybookCatalog(await loadPlaybooksOrThrow('playbooks'));
const slack: Invoker = { kind: 'slack', userId: 'U0ALICE', channelId: 'C0OPS' };
const cli: Invoker = { kind: 'cli', user: 'alice' };
const now = () => new Date('2026-01-01T12:00:00.000Z');

function ctx(invoker: Invoker, extra: Partial<CommandContext> = {}): CommandContext {
  return { catalog, invoker, now, log: silentLogger, ...extra };
}

describe('/perf dispatcher', () => {
  it('has one registry with diagnose, list, status, audit, ack, silence, resolve, timeline, undo and help', () => {
    expect(COMMANDS.map((c) => c.name)).toEqual([
      'diagnose',
      'list',
      'status',
      'audit',
      'ack',
      'silence',
      'resolve',
      'timeline',
      'undo',
      'help',
    ]);
  });

  it('tokenizes like a shell for quoted words', () => {
    expect(tokenize(' diagnose  "data pipeline"  ns ')).toEqual(['diagnose', 'data pipeline', 'ns']);
  });

  it('empty text and help list the commands with the right prefix', async () => {
    expect(renderPlain((await dispatch('', ctx(slack))).message)).toContain(
      '/perf diagnose <playbook|alias> [namespace]',
    );
    expect(renderPlain((await dispatch('help', ctx(cli))).message)).toContain('perfbot status');
  });

  it('unknown: did-you-mean for commands and playbooks, exit code 2', async () => {
    const r = await dispatch('lsit', ctx(slack));
    expect(r.exitCode).toBe(2);
    expect(renderPlain(r.message)).toContain('Did you mean: /perf list?');
    expect(renderPlain((await dispatch('pipeline', ctx(slack))).message)).toContain(
      '/perf diagnose pipeline',
    );
    expect(renderPlain((await dispatch('sentinal', ctx(slack))).message)).toContain(
      '/perf diagnose sentinel',
    );
    expect(renderPlain((await dispatch('frobnicate', ctx(slack))).message)).toContain(
      'Commands: diagnose, list, status, audit, ack, silence, resolve, timeline, undo, help',
    );
  });

  it('list shows every playbook with aliases and triggers', async () => {
    const text = renderPlain((await dispatch('list', ctx(cli))).message);
    expect(text).toContain('data-pipeline — Data processing pipeline performance:');
    expect(text).toContain('aliases: pipeline, market-data, data-processing');
    expect(text).toContain('alert HighLatency playbook="data-pipeline"');
    expect(text).toContain('alert Processing latency exceeded threshold');
  });

  it('status lists open incidents with age, playbook, counters and thread link', async () => {
    const incidents = {
      listOpen: async () => [
        {
          id: 'inc-1',
          title: 'HighLatency',
          playbookId: 'data-pipeline',
          openedAtMs: now().getTime() - 125 * 60_000,
          alerts: 3,
          firing: 2,
          repeats: 1,
          thread: { channel: 'C0INC', ts: '1.2' },
        },
        {
          id: 'inc-2',
          title: 'Unrouted',
          playbookId: undefined,
          openedAtMs: now().getTime() - 30_000,
          alerts: 1,
          firing: 1,
          repeats: 0,
          thread: undefined,
        },
        {
          id: 'inc-3',
          title: 'Truncated',
          playbookId: undefined,
          openedAtMs: now().getTime() - 60_000,
          alerts: 2,
          firing: 0,
          repeats: 0,
          notShown: 3,
          thread: undefined,
        },
      ],
    };
    const text = renderPlain(
      (
        await dispatch(
          'status',
          ctx(slack, { incidents, threadLink: (c, ts) => `https://x/archives/${c}/p${ts}` }),
        )
      ).message,
    );
    expect(text).toContain('HighLatency — data-pipeline — open 2h 5m');
    expect(text).toContain('inc-1 · 2/3 alerts firing, 1 repeats · https://x/archives/C0INC/p1.2');
    expect(text).toContain('Unrouted — no playbook — open 30s');
    expect(text).toContain('no thread yet');
    // issue 17: a truncated group's unlisted alerts may fire; status says so.
    expect(text).toContain(
      'inc-3 · 0/2 alerts firing, 3 more not shown by Alertmanager (max_alerts) · no thread yet',
    );
    expect(
      renderPlain(
        (await dispatch('status', ctx(slack, { incidents: { listOpen: async () => [] } }))).message,
      ),
    ).toContain('No open incidents');
  });

  // The shipped playbooks bound themselves to their target namespace; these list more.
  const wider = new PlaybookCatalog(
    catalog.playbooks.map((p) => ({ ...p, namespaces: [p.target.namespace, 'prod-logs', 'staging'] })),
  );

  it('diagnose from Slack starts a thread in the channel with the typer as requester', async () => {
    const started: unknown[] = [];
    const r = await dispatch('diagnose sentinel prod-logs', {
      ...ctx(slack, { diagnosis: { start: async (i) => void started.push(i) } }),
      catalog: wider,
    });
    expect(r.exitCode).toBe(0);
    expect(started).toEqual([
      expect.objectContaining({ namespace: 'prod-logs', requester: 'U0ALICE', channel: 'C0OPS' }),
    ]);
    expect((started[0] as { playbook: { id: string } }).playbook.id).toBe('sentinel-connector');
  });

  it('diagnose from the CLI prints the report text; bad input exits 2', async () => {
    const r = await dispatch('diagnose pipeline --namespace staging', {
      ...ctx(cli, {
        runDiagnosisText: async ({ playbook, namespace }) => `report of ${playbook.id} in ${namespace}`,
      }),
      catalog: wider,
    });
    expect(r.text).toBe('report of data-pipeline in staging');
    expect((await dispatch('diagnose', ctx(cli))).exitCode).toBe(2);
    expect((await dispatch('diagnose nope', ctx(cli))).exitCode).toBe(2);
    expect((await dispatch('diagnose pipeline NOT_DNS', ctx(cli))).exitCode).toBe(2);
  });

  it("diagnose refuses a namespace outside the playbook's namespaces before starting anything", async () => {
    const started: unknown[] = [];
    const ran: unknown[] = [];
    const slackReply = await dispatch(
      'diagnose pipeline kube-system',
      ctx(slack, { diagnosis: { start: async (i) => void started.push(i) } }),
    );
    const cliReply = await dispatch(
      'diagnose sentinel --namespace kube-system',
      ctx(cli, { runDiagnosisText: async (i) => String(ran.push(i)) }),
    );
    expect([slackReply.exitCode, cliReply.exitCode]).toEqual([2, 2]);
    expect(renderPlain(slackReply.message)).toContain(
      `Refused: namespace "kube-system" is outside playbook data-pipeline's namespaces (data-processing)`,
    );
    expect(started).toEqual([]);
    expect(ran).toEqual([]);
  });

  it('diagnose passes --override-cooldown on to the diagnosis it starts', async () => {
    const started: { overrideCooldown?: boolean }[] = [];
    await dispatch(
      'diagnose pipeline --override-cooldown',
      ctx(slack, { diagnosis: { start: async (i) => void started.push(i) } }),
    );
    expect(started[0]?.overrideCooldown).toBe(true);
  });

  it('audit shows the trail lines, optionally of one incident', async () => {
    const seen: unknown[] = [];
    const audit = {
      lines: async (f: { incident?: string | undefined; limit: number }) => {
        seen.push(f);
        return ['2026-01-01T12:00:00.000Z  incident.opened  system  inc-1'];
      },
    };
    const text = renderPlain((await dispatch('audit inc-1', ctx(slack, { audit }))).message);
    expect(text).toContain('incident.opened  system  inc-1');
    expect(seen).toEqual([{ incident: 'inc-1', limit: 30 }]);
  });
});
