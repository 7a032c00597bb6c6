// Audit entries of one incident → its timeline. Pure: the entries and the chain check come in,
// so the CLI, /perf timeline and the file attached on resolve all tell the same story, and a
// test can hold the result against the trail entry by entry.
import { type DescribeContext, describeEntry, isAck, keyValueLines, num, str, strings } from './describe.js';
import { followUps } from './follow-ups.js';
import type {
  ChainCheck,
  Milestone,
  Timeline,
  TimelineChange,
  TimelineDiagnosis,
  TimelineEntry,
  TrailEntry,
} from './types.js';

export type { TrailEntry } from './types.js';

export function buildTimeline(incident: string, entries: readonly TrailEntry[], chain: ChainCheck): Timeline {
  const opened = entries.find((e) => e.event === 'incident.opened');
  const start = opened ?? entries.find((e) => e.event === 'alert.received') ?? entries[0];
  const startMs = start ? Date.parse(start.time) : 0;
  const ctx: DescribeContext = { previews: new Map(), reverts: new Map() };
  for (const e of entries) {
    if (!e.proposal) continue;
    const preview = str(e.details.preview);
    if ((e.event === 'proposal.created' || e.event === 'proposal.blocked') && preview)
      ctx.previews.set(e.proposal, preview);
    const revertOf = str(e.details.revertOf);
    if (e.event === 'proposal.created' && revertOf) ctx.reverts.set(e.proposal, revertOf);
  }

  const timelineEntries: TimelineEntry[] = entries.map((e) => ({
    id: e.id,
    hash: e.hash,
    time: e.time,
    offsetMs: Date.parse(e.time) - startMs,
    event: e.event,
    actor: e.actor,
    ...(e.proposal ? { proposal: e.proposal } : {}),
    ...describeEntry(e, ctx),
  }));

  const isFix = (e: TrailEntry) => !e.proposal || !ctx.reverts.has(e.proposal);
  const first = (pred: (e: TrailEntry) => boolean) => entries.find(pred);
  const reached: Record<Milestone, TrailEntry | undefined> = {
    acknowledged: first((e) => isAck(e.event)),
    diagnosed: first((e) => e.event === 'diagnosis.done'),
    approved: first((e) => e.event === 'proposal.approved' && e.details.complete === true && isFix(e)),
    fixed: first((e) => e.event === 'job.succeeded' && isFix(e)),
    verified: first((e) => e.event === 'verification.passed'),
    resolved: [...entries].reverse().find((e) => e.event === 'incident.resolved'),
  };
  const milestones: Timeline['milestones'] = {};
  const durations: Timeline['durations'] = {};
  for (const [name, e] of Object.entries(reached) as [Milestone, TrailEntry | undefined][]) {
    if (!e) continue;
    milestones[name] = e.time;
    durations[name] = Date.parse(e.time) - startMs;
  }

  const diagnoses: TimelineDiagnosis[] = entries
    .filter((e) => e.event === 'diagnosis.done')
    .map((e) => ({
      at: e.time,
      namespace: str(e.details.namespace),
      status: str(e.details.status),
      bottlenecks: strings(e.details.bottlenecks),
      keyValues: keyValueLines(e.details),
    }));

  const changes = collectChanges(entries, ctx);
  const timeline: Timeline = {
    incident,
    title: str(opened?.details.title),
    playbook:
      str(opened?.details.playbook) ?? str(first((e) => e.event === 'diagnosis.done')?.details.playbook),
    startedAt: start?.time,
    entries: timelineEntries,
    milestones,
    durations,
    firingMs: num(reached.resolved?.details.durationMs),
    acknowledgedBy: reached.acknowledged?.actor,
    diagnoses,
    changes,
    followUps: [],
    chain,
  };
  timeline.followUps = followUps(timeline, entries);
  return timeline;
}

function collectChanges(entries: readonly TrailEntry[], ctx: DescribeContext): TimelineChange[] {
  const byId = new Map<string, TimelineChange>();
  for (const e of entries) {
    const id = e.proposal;
    if (!id) continue;
    const d = e.details;
    let c = byId.get(id);
    if (!c && (e.event === 'proposal.created' || e.event === 'proposal.blocked')) {
      c = {
        proposal: id,
        preview: str(d.preview) ?? id,
        action: str(d.action),
        status: e.event === 'proposal.blocked' ? 'blocked' : 'proposed',
        approvedBy: [],
        undo: str(d.undo),
        revertOf: ctx.reverts.get(id),
        blockedBy: strings(d.reasons),
      };
      byId.set(id, c);
    }
    if (!c) continue;
    switch (e.event) {
      case 'proposal.approved':
        c.approvedBy.push(e.actor);
        if (d.complete === true) c.status = 'approved';
        break;
      case 'proposal.denied':
        c.status = 'denied';
        break;
      case 'proposal.expired':
        c.status = 'expired';
        break;
      case 'job.dry-run':
        c.status = 'dry-run';
        break;
      case 'job.succeeded':
        c.status = 'applied';
        c.before = d.before;
        c.after = d.after;
        break;
      case 'job.failed':
        c.status = 'failed';
        c.error = str(d.error);
        break;
      case 'verification.passed':
      case 'verification.failed':
        c.verification = { passed: e.event === 'verification.passed', summary: str(d.summary) ?? '' };
        break;
    }
  }
  const changes = [...byId.values()];
  for (const c of changes) {
    const target = c.revertOf ? byId.get(c.revertOf) : undefined;
    if (target && c.status === 'applied') target.revertedBy = c.proposal;
  }
  return changes;
}
