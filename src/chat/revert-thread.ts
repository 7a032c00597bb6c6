// A revert proposal is made by the remediation layer (`proposeRevert`) and has no response
// event of its own: whoever asks for it in chat — the Revert button or `/perf undo` — gets it
// posted through this wrapper, in the fix's thread (where the fix's proposal message is), or
// where it was asked for when perfbot no longer knows that message, with the usual Approve /
// Deny. Posted once per revert, whichever click, command or replica comes first.
import type { Logger } from '../log.js';
import type { Proposal } from '../remediation/proposal.js';
import type { RevertInput, RevertOutcome } from '../remediation/revert.js';
import type { RevertStarter } from './command.js';
import { proposalMessage } from './proposal-message.js';
import type { ChatRefs } from './refs.js';
import type { ChatSink } from './sink.js';

export interface RevertThreadDeps {
  sink: ChatSink;
  refs: Pick<ChatRefs, 'once' | 'proposalMessage' | 'setProposalMessage'>;
  getProposal: (id: string) => Promise<Proposal | undefined>;
  log: Logger;
  now: () => Date;
}

/** Where the revert goes when the fix's own message is unknown: the channel (thread) asked from. */
export interface RevertFallback {
  channel: string;
  threadTs?: string | undefined;
}

export function threadedReverts(
  deps: RevertThreadDeps,
  starter: RevertStarter,
  fallback: RevertFallback | undefined,
): RevertStarter {
  return {
    async proposeRevert(input: RevertInput): Promise<RevertOutcome> {
      const out = await starter.proposeRevert(input);
      if (out.status === 'created' || out.status === 'exists') {
        await postRevert(deps, out.proposal, out.of.id, fallback).catch((err: unknown) =>
          deps.log.error({ err, proposal: out.proposal.id }, 'revert proposal not posted'),
        );
      }
      return out;
    },
  };
}

async function postRevert(
  deps: RevertThreadDeps,
  revert: Proposal,
  fixId: string,
  fallback: RevertFallback | undefined,
): Promise<void> {
  const fixRef = await deps.refs.proposalMessage(fixId);
  const channel = fixRef?.channel ?? fallback?.channel;
  if (!channel) return;
  if (!(await deps.refs.once(revert.id, 'revert-message'))) return;
  const threadTs = fixRef?.threadTs ?? fallback?.threadTs;
  const ref = await deps.sink.post(channel, threadTs, async () =>
    proposalMessage((await deps.getProposal(revert.id)) ?? revert, deps.now()),
  );
  // A revert asked for outside any thread starts one: its own message is the thread.
  await deps.refs.setProposalMessage(revert.id, { ...ref, threadTs: threadTs ?? ref.ts });
}
