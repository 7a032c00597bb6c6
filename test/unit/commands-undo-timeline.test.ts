// /perf undo and /perf timeline through the dispatcher, with stand-ins for what the context
// provides (RemediationService.proposeRevert, the audit-trail timeline source).
import { describe, expect, it } from 'vitest';
import { dispatch } from '../../commands/index.js';
import type { CommandContext, Invoker, RevertStarter } from '../../src/chat/command.js';
import { renderPlain } from '../../src/chat/plain.js';
import { silentLogger } from '../../src/log.js';
import { PlaybookCatalog } from '../../src/playbooks/catalog.js';
import type { Proposal } from '../../src/remediation/proposal.js';
import type { RevertInput } from '../../src/remediation/revert.js';
import type { Timeline } from '../../src/timeline/types.js';

const slack: Invoker = { kind: 'slack', userId: 'U0ALICE', channelId: 'C0OPS' };
const cli: Invoker = { kind: 'cli', user: 'alice' };
const ctx = (invoker: Invoker, extra: Partial<CommandContext> = {}): CommandContext => ({
  catalog: new PlaybookCatalog([]),
  invoker,
  now: () => new Date('2026-01-01T12:00:00Z'),
  log: silentLogger,
  ...extra,
});

const fix = { id: 'prop-aaaaaaaaaaaa', status: 'succeeded' } as Proposal;
const revert = {
  id: 'prop-bbbbbbbbbbbb',
  status: 'pending',
  preview: 'Deployment/x replicas 4 → 2 (revert of prop-aaaaaaaaaaaa)',
  expiresAt: '2026-01-01T12:30:00.000Z',
  policy: { approvers: ['U0BOB'], required: 1, allowSelfApproval: false },
} as Proposal;

describe('/perf undo', () => {
  it('proposes the revert as the typer and says who may approve it', async () => {
    const asked: RevertInput[] = [];
    const starter: RevertStarter = {
      proposeRevert: async (input) => {
        asked.push(input);
        return { status: 'created', proposal: revert, of: fix };
      },
    };
    const r = await dispatch('undo prop-aaaaaaaaaaaa', ctx(slack, { revert: starter }));
    expect(asked).toEqual([{ proposalId: 'prop-aaaaaaaaaaaa', requester: 'U0ALICE' }]);
    expect(r).toMatchObject({ exitCode: 0, visibility: 'in_channel' });
    const text = renderPlain(r.message);
    expect(text).toContain(
      'Revert of prop-aaaaaaaaaaaa proposed as prop-bbbbbbbbbbbb: Deployment/x replicas 4 → 2 (revert of prop-aaaaaaaaaaaa)',
    );
    expect(text).toContain('1 needed, as for prop-aaaaaaaaaaaa · no self-approval');
  });

  it('a refusal is told with its reason and exit 1; no ID is a usage error', async () => {
    const starter: RevertStarter = {
      proposeRevert: async () => ({ status: 'refused', reason: 'kafka.partitions has no undo: …', of: fix }),
    };
    const r = await dispatch('undo prop-aaaaaaaaaaaa', ctx(cli, { revert: starter }));
    expect(r.exitCode).toBe(1);
    expect(renderPlain(r.message)).toContain('Cannot revert prop-aaaaaaaaaaaa: kafka.partitions has no undo');
    expect((await dispatch('undo', ctx(cli, { revert: starter }))).exitCode).toBe(2);
    expect((await dispatch('undo prop-aaaaaaaaaaaa', ctx(cli))).exitCode).toBe(1);
  });
});

describe('/perf timeline', () => {
  const timeline = {
    incident: 'inc-7',
    title: 'HighLatency',
    entries: [],
    milestones: {},
    durations: { diagnosed: 45_000 },
    diagnoses: [],
    changes: [],
    followUps: ['Monitor stability.'],
    chain: {
      ok: true,
      count: 3,
      entriesChecked: 0,
      checkedAt: '2026-01-01T12:00:00.000Z',
      summary: 'Audit chain verified.',
    },
  } as Timeline;
  const source = { timeline: async (id: string) => (id === 'inc-7' ? timeline : undefined) };
  const oneOpen = { listOpen: async () => [{ id: 'inc-7' }] as never };

  it('shows the timeline of the named incident, or of the one open incident', async () => {
    const named = await dispatch('timeline inc-7', ctx(slack, { timeline: source }));
    expect(named.exitCode).toBe(0);
    expect(renderPlain(named.message)).toContain('Time to diagnose: 45s');
    expect(named.text).toContain('# Post-incident review (draft): HighLatency');
    const implicit = await dispatch('timeline', ctx(slack, { timeline: source, incidents: oneOpen }));
    expect(implicit.message.summary).toBe('Timeline of HighLatency: 0 entries, audit chain verified');
    const json = await dispatch('timeline inc-7 --format json', ctx(cli, { timeline: source }));
    expect(JSON.parse(json.text ?? '')).toMatchObject({ incident: 'inc-7' });
  });

  it('usage errors exit 2; an incident without entries exits 1', async () => {
    const none = { listOpen: async () => [] };
    expect((await dispatch('timeline', ctx(cli, { timeline: source, incidents: none }))).exitCode).toBe(2);
    expect((await dispatch('timeline inc-7 --format yaml', ctx(cli, { timeline: source }))).exitCode).toBe(2);
    const missing = await dispatch('timeline inc-8', ctx(cli, { timeline: source }));
    expect(missing.exitCode).toBe(1);
    expect(renderPlain(missing.message)).toContain('No audit entries for inc-8.');
  });
});
