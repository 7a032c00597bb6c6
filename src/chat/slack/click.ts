// What every button listener reads from a block_actions body and how it answers the clicker:
// where the click happened (the channel, the message, its thread) and an ephemeral reply that
// only the clicker sees. A reply that cannot be delivered is logged, never thrown: the click's
// own work is done by then.
import type { Logger } from '../../log.js';
import type { ChatMessage } from '../message.js';
import type { ChatSink } from '../sink.js';

/** The parts of a block_actions body that say where the click was. */
export interface ClickPlace {
  channel?: { id?: string } | undefined;
  container?: unknown;
  message?: { ts?: string; thread_ts?: string } | undefined;
}

export function clickPlace(body: ClickPlace): {
  channel: string | undefined;
  messageTs: string | undefined;
  threadTs: string | undefined;
} {
  const container = body.container as
    | { channel_id?: string; message_ts?: string; thread_ts?: string }
    | undefined;
  return {
    channel: body.channel?.id ?? container?.channel_id,
    messageTs: container?.message_ts ?? body.message?.ts,
    threadTs: body.message?.thread_ts ?? container?.thread_ts,
  };
}

export async function tellClicker(
  deps: { sink: Pick<ChatSink, 'ephemeral'>; log: Logger },
  channel: string,
  userId: string,
  msg: ChatMessage,
): Promise<void> {
  await deps.sink
    .ephemeral(channel, userId, msg)
    .catch((err: unknown) => deps.log.warn({ err }, 'slack: could not tell the clicker'));
}
