// kafka.partitions: raise a topic's partition count. Kafka cannot remove partitions, so a lower
// target is a guard violation, never a silent no-op. Changing the count also remaps keys to
// partitions (ordering per key breaks across the change), which is why the kind defaults to
// two approvers in kinds.ts.
import { setTimeout as sleep } from 'node:timers/promises';
import { GuardViolationError, InvalidInputError } from '../../errors.js';
import type { ActionDefinition, ActionPlan, ActionResult } from '../../remediation/types.js';
import { assertKafkaName } from './names.js';
import type { KafkaPort } from './port.js';
import { readTopic } from './topic.js';

export interface KafkaActionOptions {
  /** Pause between metadata reads while waiting for the new count to show. */
  pollIntervalMs?: number;
}

export function createPartitionsAction(
  options: KafkaActionOptions = {},
): ActionDefinition<'kafka.partitions', KafkaPort> {
  const pollIntervalMs = options.pollIntervalMs ?? 1000;

  const target = (params: { topic: unknown; partitions: unknown }) => {
    const topic = assertKafkaName('topic', params.topic);
    const n = params.partitions;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 10_000) {
      throw new InvalidInputError('partitions', 'partitions: expected an integer from 1 to 10000');
    }
    return { topic, partitions: n };
  };

  const count = async (port: KafkaPort, topic: string, signal: AbortSignal) =>
    (await readTopic(port, topic, signal)).partitions.length;

  return {
    kind: 'kafka.partitions',
    backend: 'kafka',
    // Said with the proposal, before anyone approves: there is no way back from this one.
    undo: {
      supported: false,
      reason: 'Kafka cannot remove partitions, so a higher partition count cannot be reverted',
    },
    // The count before the change is still recorded, for the audit trail and the timeline.
    async capture(ctx, port) {
      const { topic } = target(ctx.params);
      return { target: `topic ${topic}`, values: { partitions: await count(port, topic, ctx.signal) } };
    },
    async plan(ctx, port): Promise<ActionPlan<'kafka.partitions'>> {
      const { topic, partitions } = target(ctx.params);
      const current = await count(port, topic, ctx.signal);
      if (partitions < current) {
        throw new GuardViolationError(
          `${topic} has ${current} partitions; Kafka cannot decrease partitions (asked for ${partitions})`,
        );
      }
      const noop = partitions === current;
      return {
        params: { topic, partitions },
        preview: noop
          ? `${topic} already has ${current} partitions`
          : `${topic} partitions ${current} → ${partitions}`,
        before: { partitions: current },
        after: { partitions },
        noop,
      };
    },

    async execute(ctx, port): Promise<ActionResult> {
      const { topic, partitions } = target(ctx.params);
      const before = await count(port, topic, ctx.signal);
      // Idempotent: a retried job (or someone else) may already have raised the count.
      if (before >= partitions) {
        return {
          summary: `${topic} already has ${before} partitions`,
          changed: false,
          details: { before, target: partitions },
        };
      }
      try {
        await port.createPartitions({ topic, count: partitions }, { signal: ctx.signal });
      } catch (err) {
        // Lost a race with another writer? The broker refuses a count it already has.
        const now = await count(port, topic, ctx.signal).catch(() => before);
        if (now >= partitions) {
          return {
            summary: `${topic} already has ${now} partitions`,
            changed: false,
            details: { before: now, target: partitions },
          };
        }
        throw err;
      }
      ctx.log.info({ topic, before, after: partitions }, 'kafka partitions increased');
      return {
        summary: `${topic} partitions ${before} → ${partitions}`,
        changed: true,
        details: { before, after: partitions },
      };
    },

    async waitForRollout(ctx, port): Promise<string> {
      const { topic, partitions } = target(ctx.params);
      // Metadata reaches every broker a moment after CreatePartitions returns; ctx.signal bounds the wait.
      for (;;) {
        const seen = await count(port, topic, ctx.signal);
        if (seen >= partitions) return `${topic} has ${seen} partitions`;
        await sleep(pollIntervalMs, undefined, { signal: ctx.signal }).catch((err: unknown) => {
          // timers/promises rejects with a generic AbortError; callers expect the signal's reason.
          throw ctx.signal.aborted ? ctx.signal.reason : err;
        });
      }
    },
  };
}
