// What the remediation worker reports (job started, succeeded, failed, dry run, verification,
// expiry) → the proposal's message is re-rendered from the stored proposal, and outcomes a
// person must notice get a reply in the incident's thread. Events arrive through a consumer
// group; a redelivered one is recognised by its stream ID and not posted twice. The "Done"
// reply of a fix offers Revert (or says there is no undo); when that revert has run, the reply
// is redrawn to say so, without the button.
import type { Logger } from '../log.js';
import type { RemediationEvent, VerifiedCheck } from '../remediation/events.js';
import type { Proposal } from '../remediation/proposal.js';
import type { ChatMessage, Item, Text, Tone } from './message.js';
import { list, mentions, rich, text } from './message.js';
import { proposalMessage, undoParts } from './proposal-message.js';
import type { ChatRefs } from './refs.js';
import type { ChatSink } from './sink.js';

export interface RemediationFeedDeps {
  sink: ChatSink;
  refs: ChatRefs;
  /** The stored proposal, read at render time so the message shows the newest state. */
  getProposal?: ((id: string) => Promise<Proposal | undefined>) | undefined;
  log: Logger;
  now: () => Date;
}

export async function handleRemediationEvent(
  deps: RemediationFeedDeps,
  event: RemediationEvent & { streamId?: string },
): Promise<void> {
  const { proposal } = event;
  const ref = await deps.refs.proposalMessage(proposal.id);
  if (!ref) {
    deps.log.debug({ proposal: proposal.id, type: event.type }, 'no chat message for this proposal');
    return;
  }
  if (event.streamId && !(await deps.refs.once(event.streamId, 'remediation'))) return;
  const latest = async () => (await deps.getProposal?.(proposal.id)) ?? proposal;
  const reply = threadReply(event);
  await Promise.all([
    deps.sink.update(ref, async () => proposalMessage(await latest(), deps.now())),
    reply ? postReply(deps, event, ref.channel, ref.threadTs, reply) : undefined,
  ]);
}

const doneKey = (proposalId: string) => `done:${proposalId}`;

async function postReply(
  deps: RemediationFeedDeps,
  event: RemediationEvent,
  channel: string,
  threadTs: string,
  reply: ChatMessage,
): Promise<void> {
  const posted = await deps.sink.post(channel, threadTs, () => reply);
  if (event.type !== 'job.succeeded') return;
  const p = event.proposal;
  if (!p.revertOf) {
    // Remembered so the revert's success can take the Revert button away.
    await deps.refs.setIfAbsent(doneKey(p.id), posted);
    return;
  }
  const [done, fix] = await Promise.all([deps.refs.get(doneKey(p.revertOf)), deps.getProposal?.(p.revertOf)]);
  if (!done || !fix?.result) return;
  const result = fix.result;
  await deps.sink.update(done, () => doneMessage(fix, result.summary, result.rollout, p.id));
}

export function threadReply(event: RemediationEvent): ChatMessage | undefined {
  const p = event.proposal;
  const approvedBy =
    p.approvals.length > 0 ? rich` (approved by ${mentions(p.approvals.map((a) => a.userId))})` : '';
  switch (event.type) {
    case 'job.succeeded':
      return doneMessage(p, event.result.summary, event.rollout);
    case 'job.failed':
      return line(rich`Failed: ${p.preview} — ${event.error}${approvedBy}`, 'error');
    case 'job.dry-run':
      return line(
        rich`Dry run: ${event.preview} was approved${approvedBy} but not applied (${event.reason})`,
        'info',
      );
    case 'verification.scheduled':
      return line(`Verification at ${event.at}: re-running ${event.checks.join(', ')}`, 'progress');
    case 'verification.passed':
      return checksMessage(`Verified: ${event.summary}`, 'ok', event.checks);
    case 'verification.failed': {
      const who = event.mention.length > 0 ? rich` — ${mentions(event.mention, ' ')}` : '';
      return checksMessage(
        rich`Not recovered after ${p.preview}: ${event.summary}${who}`,
        'warn',
        event.checks,
      );
    }
    case 'proposal.expired':
      return line(`Expired: ${p.title} was not approved before ${p.expiresAt}`, 'skipped');
    case 'job.started':
    case 'job.retried':
      return undefined;
  }
}

/** "Done: …" with the Revert button (or "No undo: …"); `revertedBy`: the revert that ran. */
export function doneMessage(
  p: Proposal,
  summary: string,
  rollout: string | undefined,
  revertedBy?: string,
): ChatMessage {
  const approvedBy =
    p.approvals.length > 0 ? rich` (approved by ${mentions(p.approvals.map((a) => a.userId))})` : '';
  const body = rich`${p.revertOf ? 'Reverted' : 'Done'}: ${p.preview} — ${summary}${rollout ? `; ${rollout}` : ''}${approvedBy}`;
  return { summary: body, parts: [text(body, 'ok'), ...undoParts(p, revertedBy)] };
}

function line(body: Text, tone: Tone): ChatMessage {
  return { summary: body, parts: [text(body, tone)] };
}

function checksMessage(head: Text, tone: Tone, checks: readonly VerifiedCheck[]): ChatMessage {
  const items: Item[] = checks.map((c) => ({ text: `${c.title}: ${c.summary}`, tone: c.status }));
  return { summary: head, parts: [text(head, tone), ...(items.length > 0 ? [list(items)] : [])] };
}
