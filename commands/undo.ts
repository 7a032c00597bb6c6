// `/perf undo <proposal>`: propose reverting a fix that ran. The revert is a new proposal under
// the fix's own approval policy, restoring the state the worker recorded before the fix; it is
// refused, with the reason, when the fix's action has no undo (Kafka partitions), when it never
// ran, or when the object changed since. The reply says which; the proposal itself (with its
// buttons) is posted where proposals are posted.
import { type CommandReply, type PerfCommand, reply } from '../src/chat/command.js';
import { fields, message, note, text } from '../src/chat/message.js';

export const undoCommand: PerfCommand = {
  name: 'undo',
  usage: 'undo <proposal>',
  summary: 'propose reverting a fix that ran, under the same approval policy',
  async run(args, ctx): Promise<CommandReply> {
    const prefix = ctx.invoker.kind === 'slack' ? '/perf' : 'perfbot';
    const id = args.find((a) => !a.startsWith('-'));
    if (!id || args.length > 1) {
      return reply(
        message(`usage: ${prefix} ${this.usage}`, text(`Usage: ${prefix} ${this.usage}`, 'info')),
        {
          exitCode: 2,
        },
      );
    }
    if (!ctx.revert) {
      return reply(message('Undo is not available', note('Remediation is not available in this process.')), {
        exitCode: 1,
      });
    }
    const requester = ctx.invoker.kind === 'slack' ? ctx.invoker.userId : ctx.invoker.user;
    const out = await ctx.revert.proposeRevert({ proposalId: id, requester });
    switch (out.status) {
      case 'created':
      case 'exists': {
        const p = out.proposal;
        const head =
          out.status === 'created'
            ? `Revert of ${out.of.id} proposed as ${p.id}: ${p.preview}`
            : `A revert of ${out.of.id} is already proposed: ${p.id} (${p.status})`;
        return reply(
          message(
            head,
            text(head, 'info'),
            fields({
              'May approve': p.policy.approvers.join(', ') || 'nobody',
              Approvals: `${p.policy.required} needed, as for ${out.of.id}${p.policy.allowSelfApproval ? '' : ' · no self-approval'}`,
              Expires: p.expiresAt,
            }),
          ),
          { visibility: 'in_channel' },
        );
      }
      case 'noop':
        return reply(
          message(`Nothing to revert: ${out.preview}`, text(`Nothing to revert: ${out.preview}.`, 'ok')),
        );
      case 'refused':
        return reply(
          message(
            `Cannot revert ${id.slice(0, 64)}`,
            text(`Cannot revert ${id.slice(0, 64)}: ${out.reason}`, 'warn'),
          ),
          { exitCode: 1 },
        );
    }
  },
};
