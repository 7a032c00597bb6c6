// The pieces of safer fixes that chat draws: a blocked proposal (reasons, the cooldown override,
// never an Approve), the Revert button or "no undo" under a fix that ran, the Done reply redrawn
// once its revert ran, the timeline file on resolve (once, after the resolution is recorded),
// and the terminal's handling of that file.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AuditEntry, VerifyResult } from '../../src/audit/types.js';
import { type ChatMessage, plainText } from '../../src/chat/message.js';
import { renderPlain } from '../../src/chat/plain.js';
import { proposalMessage, undoParts } from '../../src/chat/proposal-message.js';
import { doneMessage, threadReply } from '../../src/chat/remediation-feed.js';
import { threadedReverts } from '../../src/chat/revert-thread.js';
import type { ChartFile, ChatSink } from '../../src/chat/sink.js';
import { renderSlack } from '../../src/chat/slack/blocks.js';
import { TerminalSink } from '../../src/chat/terminal-sink.js';
import { TimelineUploads } from '../../src/chat/timeline-upload.js';
import { silentLogger } from '../../src/log.js';
import type { Proposal } from '../../src/remediation/proposal.js';
import type { RevertOutcome } from '../../src/remediation/revert.js';
import { describeEntry } from '../../src/timeline/describe.js';

const now = new Date('2026-01-01T12:10:00.000Z');

function proposal(over: Partial<Proposal> = {}): Proposal {
  return {
    id: 'prop-0123456789ab',
    incidentId: 'inc-abc-123',
    playbookId: 'data-pipeline',
    remediationId: 'scale-enrichment',
    title: 'Scale enrichment',
    action: 'kubernetes.scale',
    namespace: 'data-processing',
    params: { replicas: 4 },
    preview: 'Deployment/enrichment replicas 2 → 4',
    requester: 'system',
    policy: { approvers: ['U0BOB'], required: 1, allowSelfApproval: false },
    warnings: [],
    createdAt: '2026-01-01T12:00:00.000Z',
    expiresAt: '2026-01-01T12:30:00.000Z',
    dryRun: false,
    verify: { checks: [], afterMs: 300_000 },
    undo: { supported: true },
    status: 'pending',
    approvals: [],
    updatedAt: '2026-01-01T12:00:00.000Z',
    attempts: 0,
    ...over,
  };
}

const actionIds = (msg: ReturnType<typeof proposalMessage>) =>
  renderSlack(msg)
    .blocks.filter((b) => b.type === 'actions')
    .flatMap((b) => (b as { elements: { action_id: string; value: string }[] }).elements);

const COOLDOWN = 'Deployment/enrichment in data-processing was changed 5m ago by prop-aaaaaaaaaaaa';

describe('a proposal blocked by a guardrail', () => {
  it('is drawn with its reasons and how to override the cooldown, never with Approve', () => {
    const p = proposal({
      status: 'blocked',
      blocked: [{ guardrail: 'cooldown', reason: COOLDOWN }],
      warnings: [`blocked — ${COOLDOWN}`],
    });
    const msg = proposalMessage(p, now);
    expect(actionIds(msg)).toEqual([]);
    const text = renderPlain(msg);
    expect(plainText(msg.summary)).toBe(
      'Blocked by a guardrail: Scale enrichment — not offered for approval: Deployment/enrichment replicas 2 → 4',
    );
    expect(text).toContain(`Cooldown: ${COOLDOWN}`);
    expect(text).toContain(
      '/perf diagnose data-pipeline data-processing --override-cooldown proposes it again with 2 approvals needed instead of 1',
    );
    // Drawn once: not again among the warnings.
    expect(text.split(COOLDOWN)).toHaveLength(2);
    expect(text).not.toContain('Expires');
  });

  it('says bounds and the per-incident limit are hard', () => {
    const p = proposal({
      status: 'blocked',
      blocked: [
        { guardrail: 'bounds', reason: 'replicas 400 is above the maximum 20' },
        { guardrail: 'max-changes', reason: 'inc-abc-123 already had 3 changes (maximum 3)' },
      ],
    });
    const text = renderPlain(proposalMessage(p, now));
    expect(text).toContain('Bounds: replicas 400 is above the maximum 20');
    expect(text).toContain('Changes per incident: inc-abc-123 already had 3 changes');
    expect(text).toContain("Bounds and the per-incident limit are hard: change the playbook's guardrails");
    expect(text).not.toContain('--override-cooldown proposes');
    expect(actionIds(proposalMessage(p, now))).toEqual([]);
  });
});

describe('after a fix ran', () => {
  const ran = { status: 'succeeded' as const, approvals: [{ userId: 'U0BOB', at: '' }] };

  it('the Done reply carries Revert, whose value is the fix', () => {
    const msg = threadReply({
      type: 'job.succeeded',
      proposal: proposal(ran),
      result: { summary: 'scaled', changed: true },
      rollout: '4/4 ready',
    });
    expect(msg && plainText(msg.summary)).toBe(
      'Done: Deployment/enrichment replicas 2 → 4 — scaled; 4/4 ready (approved by @U0BOB)',
    );
    expect(msg && actionIds(msg)).toEqual([
      expect.objectContaining({ action_id: 'remediation.revert', value: 'prop-0123456789ab' }),
    ]);
  });

  it('an action without undo (Kafka partitions) says so instead of a button', () => {
    const p = proposal({
      ...ran,
      action: 'kafka.partitions',
      undo: { supported: false, reason: 'Kafka cannot remove partitions' },
    });
    const msg = doneMessage(p, 'market-data partitions 6 → 12', undefined);
    expect(actionIds(msg)).toEqual([]);
    expect(renderPlain(msg)).toContain('No undo: Kafka cannot remove partitions.');
  });

  it('a revert, a dry run and a reverted fix offer no Revert', () => {
    expect(undoParts(proposal({ ...ran, revertOf: 'prop-aaaaaaaaaaaa' }))).toEqual([]);
    expect(undoParts(proposal({ ...ran, dryRun: true }))).toEqual([]);
    const reverted = doneMessage(proposal(ran), 'scaled', undefined, 'prop-bbbbbbbbbbbb');
    expect(actionIds(reverted)).toEqual([]);
    expect(renderPlain(reverted)).toContain('Reverted by prop-bbbbbbbbbbbb.');
    const revertDone = doneMessage(
      proposal({ ...ran, revertOf: 'prop-0123456789ab', preview: 'replicas 4 → 2' }),
      'restored',
      undefined,
    );
    expect(plainText(revertDone.summary)).toMatch(/^Reverted: replicas 4 → 2 — restored/);
  });

  it('a revert proposal names the fix it takes back', () => {
    const text = renderPlain(proposalMessage(proposal({ revertOf: 'prop-aaaaaaaaaaaa' }), now));
    expect(text).toMatch(/Reverts: +prop-aaaaaaaaaaaa/);
  });
});

describe('the timeline on resolve', () => {
  const entry = (event: string, details: Record<string, unknown> = {}): AuditEntry => ({
    id: `${event}-id`,
    time: '2026-01-01T12:00:00.000Z',
    actor: 'alertmanager',
    event,
    incident: 'inc-1',
    details,
    prevHash: '0'.repeat(64),
    hash: 'f'.repeat(64),
  });

  function world(thread = true) {
    const entries: AuditEntry[] = [entry('incident.opened', { title: 'Lag' })];
    const uploads: { channel: string; ts: string; file: ChartFile }[] = [];
    const done = new Set<string>();
    const sink = {
      upload: async (channel: string, ts: string, file: ChartFile) => {
        uploads.push({ channel, ts, file });
      },
    } as unknown as ChatSink;
    const uploadsDeps = {
      sink,
      refs: {
        once: async (id: string, what: string) => !done.has(`${what}:${id}`) && !!done.add(`${what}:${id}`),
      },
      incidents: {
        get: async () => ({ thread: thread ? { channel: 'C0INC', ts: '1.000100' } : undefined }) as never,
      },
      trail: {
        readTrail: async () => [...entries],
        verifyTrail: async (): Promise<VerifyResult> => ({ ok: true, count: entries.length }) as VerifyResult,
      },
      log: silentLogger,
      now: () => now,
      pollMs: 5,
      threadWaitMs: 50,
      recordWaitMs: 2000,
    };
    return { entries, uploads, timelines: new TimelineUploads(uploadsDeps) };
  }

  it('waits for the resolution in the trail, then uploads the draft into the thread, once', async () => {
    const w = world();
    const event = { type: 'resolved' as const, incidentId: 'inc-1', streamId: '9-0' };
    w.timelines.handle(event);
    w.timelines.handle(event); // a redelivery
    w.timelines.handle({ type: 'acknowledged', incidentId: 'inc-1', streamId: '8-0' });
    await new Promise((r) => setTimeout(r, 30));
    expect(w.uploads).toHaveLength(0);
    w.entries.push(entry('incident.resolved', { event: '9-0' }));
    await w.timelines.idle();
    expect(w.uploads).toHaveLength(1);
    const [u] = w.uploads;
    expect(u).toMatchObject({ channel: 'C0INC', ts: '1.000100' });
    expect(u?.file.filename).toBe('post-incident-inc-1.md');
    expect(u?.file.data.toString('utf8')).toContain('### 3. Recovery');
    expect(u?.file.data.toString('utf8')).toContain('Incident resolved');
  });

  it('stop() ends the wait for the resolution: nothing attached, nothing held up', async () => {
    const w = world();
    w.timelines.handle({ type: 'resolved', incidentId: 'inc-1', streamId: '9-0' });
    await new Promise((r) => setTimeout(r, 20));
    await w.timelines.stop(); // recordWaitMs is 2 s: returning means the wait was ended
    expect(w.uploads).toHaveLength(0);
  });

  it('attaches nothing to an incident without a thread', async () => {
    const w = world(false);
    w.entries.push(entry('incident.resolved', { event: '9-0' }));
    w.timelines.handle({ type: 'resolved', incidentId: 'inc-1', streamId: '9-0' });
    await w.timelines.idle();
    expect(w.uploads).toHaveLength(0);
  });

  it('the terminal writes the Markdown file and prints its path (or names it, without a folder)', async () => {
    const file: ChartFile = {
      filename: 'post-incident-inc-1.md',
      title: 'Post-incident review (draft): Lag',
      altText: 'timeline',
      data: Buffer.from('# Post-incident review (draft): Lag\n'),
    };
    const printed: string[] = [];
    await new TerminalSink({ write: (t) => printed.push(t) }).upload('terminal', '1.000001', file);
    expect(printed).toEqual(['file "Post-incident review (draft): Lag" (36 bytes Markdown)']);
    const dir = mkdtempSync(join(tmpdir(), 'perfbot-timeline-file-'));
    const written: string[] = [];
    await new TerminalSink({ write: (t) => written.push(t), chartDir: dir }).upload(
      'terminal',
      '1.000001',
      file,
    );
    const path = join(dir, '1.000001-post-incident-inc-1.md');
    expect(written).toEqual([`file "Post-incident review (draft): Lag" written to ${path}`]);
    expect(readFileSync(path, 'utf8')).toBe('# Post-incident review (draft): Lag\n');
  });

  it('the Revert click is a recovery step of the timeline', () => {
    const ctx = { previews: new Map(), reverts: new Map() };
    expect(
      describeEntry(
        {
          event: 'command.invoked',
          actor: 'U0CAROL',
          proposal: 'prop-0123456789ab',
          details: { button: 'remediation.revert', value: 'prop-0123456789ab' },
        },
        ctx,
      ),
    ).toEqual({ phase: 'recovery', text: 'Revert pressed by U0CAROL on prop-0123456789ab' });
  });
});

describe('revert proposals in the thread (Revert button and /perf undo)', () => {
  function world(fixRef?: { channel: string; ts: string; threadTs: string }) {
    const posts: { channel: string; threadTs: string | undefined; text: string }[] = [];
    const saved = new Map<string, unknown>();
    const claimed = new Set<string>();
    const revert = proposal({
      id: 'prop-bbbbbbbbbbbb',
      revertOf: 'prop-0123456789ab',
      title: 'Revert: Scale',
    });
    let status: 'created' | 'exists' | 'refused' = 'created';
    const deps = {
      sink: {
        post: async (channel: string, threadTs: string | undefined, render: () => Promise<ChatMessage>) => {
          posts.push({ channel, threadTs, text: plainText((await render()).summary) });
          return { channel, ts: `9.00000${posts.length}` };
        },
      } as unknown as ChatSink,
      refs: {
        once: async (id: string) => !claimed.has(id) && !!claimed.add(id),
        proposalMessage: async (id: string) => (id === 'prop-0123456789ab' ? fixRef : undefined),
        setProposalMessage: async (id: string, ref: unknown) => void saved.set(id, ref),
      },
      getProposal: async () => revert,
      log: silentLogger,
      now: () => now,
    };
    const starter = {
      proposeRevert: async (): Promise<RevertOutcome> =>
        status === 'refused'
          ? { status, reason: 'has 6 replicas now' }
          : { status, proposal: revert, of: proposal({ status: 'succeeded' }) },
    };
    const set = (s: typeof status) => {
      status = s;
    };
    return { deps, starter, posts, saved, set };
  }
  const input = { proposalId: 'prop-0123456789ab', requester: 'U0CAROL' };

  it("posts the revert once, in the fix's thread, and remembers its message", async () => {
    const w = world({ channel: 'C0INC', ts: '1.000200', threadTs: '1.000100' });
    const reverts = threadedReverts(w.deps, w.starter, { channel: 'C0OPS' });
    await reverts.proposeRevert(input);
    w.set('exists');
    await reverts.proposeRevert(input); // a second click, or /perf undo after the button
    expect(w.posts).toEqual([
      {
        channel: 'C0INC',
        threadTs: '1.000100',
        text: 'Proposed: Revert: Scale: Deployment/enrichment replicas 2 → 4',
      },
    ]);
    expect(w.saved.get('prop-bbbbbbbbbbbb')).toEqual({
      channel: 'C0INC',
      ts: '9.000001',
      threadTs: '1.000100',
    });
  });

  it('posts where it was asked for when the fix message is unknown; nothing for a refusal', async () => {
    const w = world();
    w.set('refused');
    await threadedReverts(w.deps, w.starter, { channel: 'C0OPS' }).proposeRevert(input);
    expect(w.posts).toEqual([]);
    w.set('created');
    await threadedReverts(w.deps, w.starter, { channel: 'C0OPS' }).proposeRevert(input);
    expect(w.posts).toEqual([expect.objectContaining({ channel: 'C0OPS', threadTs: undefined })]);
    // Its own message starts the thread its results go to.
    expect(w.saved.get('prop-bbbbbbbbbbbb')).toEqual({
      channel: 'C0OPS',
      ts: '9.000001',
      threadTs: '9.000001',
    });
  });
});
