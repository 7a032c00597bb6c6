// What the Slack listeners need (the /perf command, Approve/Deny, the incident buttons, Revert),
// in a file of its own so each listener's file can name it without importing the others.
import type { AuditSink } from '../../audit/types.js';
import type { Logger } from '../../log.js';
import type { DecideInput, DecideOutcome } from '../../remediation/decide.js';
import type { Proposal } from '../../remediation/proposal.js';
import type { CommandContext, CommandReply, Invoker } from '../command.js';
import type { ChatRefs } from '../refs.js';
import type { ChatSink } from '../sink.js';

export interface SlackInteractionDeps {
  sink: ChatSink;
  refs: ChatRefs;
  commandContext: (invoker: Invoker) => CommandContext;
  /** The /perf dispatcher (commands/index.ts), injected: src/ never imports commands/. */
  dispatch: (text: string, ctx: CommandContext) => Promise<CommandReply>;
  decide?: ((input: DecideInput) => Promise<DecideOutcome>) | undefined;
  /** The stored proposal (the Revert button reads the fix it reverts). */
  getProposal?: ((id: string) => Promise<Proposal | undefined>) | undefined;
  audit?: AuditSink | undefined;
  log: Logger;
  now: () => Date;
  /** How long a command may take before the ack goes out without its reply. */
  inlineReplyMs?: number;
}
