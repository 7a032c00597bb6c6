import { describe, expect, it } from 'vitest';
import { ErrorCode, GuardViolationError } from '../../src/errors.js';
import { createKafkaActions, kafkaActions } from '../../src/integrations/kafka/index.js';
import { silentLogger } from '../../src/log.js';
import type { ActionParams } from '../../src/playbooks/kinds.js';
import type { ActionContext } from '../../src/remediation/types.js';
import { FakeKafka } from '../fakes/kafka.js';

type Params = ActionParams<'kafka.partitions'>;

function ctx(params: Params, signal = new AbortController().signal): ActionContext<'kafka.partitions'> {
  return { params, namespace: 'market-data', signal, now: () => new Date(), log: silentLogger };
}

// Polling every millisecond keeps the rollout test short; production polls every second.
const action = createKafkaActions({ pollIntervalMs: 1 })['kafka.partitions'];

describe('kafka.partitions', () => {
  it('is registered with the kind and backend it implements', () => {
    expect(kafkaActions['kafka.partitions']).toMatchObject({ kind: 'kafka.partitions', backend: 'kafka' });
  });

  it('plans from the current count and previews the change', async () => {
    const kafka = new FakeKafka().setTopic('market-data', 6);
    const plan = await action.plan(ctx({ topic: 'market-data', partitions: 12 }), kafka);
    expect(plan).toEqual({
      params: { topic: 'market-data', partitions: 12 },
      preview: 'market-data partitions 6 → 12',
      before: { partitions: 6 },
      after: { partitions: 12 },
      noop: false,
    });
    expect(kafka.callsOf('createPartitions')).toEqual([]);
  });

  it('is a noop when the topic already has the target count', async () => {
    const kafka = new FakeKafka().setTopic('market-data', 12);
    const plan = await action.plan(ctx({ topic: 'market-data', partitions: 12 }), kafka);
    expect(plan.noop).toBe(true);
    expect(plan.preview).toBe('market-data already has 12 partitions');
  });

  it('never decreases: a lower target is a guard violation', async () => {
    const kafka = new FakeKafka().setTopic('market-data', 12);
    const planned = action.plan(ctx({ topic: 'market-data', partitions: 6 }), kafka);
    await expect(planned).rejects.toBeInstanceOf(GuardViolationError);
    await expect(planned).rejects.toThrow('Kafka cannot decrease partitions');
  });

  it('executes once; a retried job finds the change applied and changes nothing', async () => {
    const kafka = new FakeKafka().setTopic('market-data', 6);
    const first = await action.execute(ctx({ topic: 'market-data', partitions: 12 }), kafka, 'p-1');
    expect(first).toMatchObject({ changed: true, summary: 'market-data partitions 6 → 12' });
    expect(kafka.partitionCount('market-data')).toBe(12);

    const retry = await action.execute(ctx({ topic: 'market-data', partitions: 12 }), kafka, 'p-1');
    expect(retry).toMatchObject({ changed: false, summary: 'market-data already has 12 partitions' });
    expect(kafka.callsOf('createPartitions')).toHaveLength(1);
    expect(kafka.callsOf('createPartitions')[0]?.args).toEqual([{ topic: 'market-data', count: 12 }]);
  });

  it('does not decrease at execution time either', async () => {
    const kafka = new FakeKafka().setTopic('market-data', 24);
    const res = await action.execute(ctx({ topic: 'market-data', partitions: 12 }), kafka, 'p-2');
    expect(res.changed).toBe(false);
    expect(kafka.callsOf('createPartitions')).toEqual([]);
    expect(kafka.partitionCount('market-data')).toBe(24);
  });

  it('treats a lost race (broker already at the count) as applied', async () => {
    const kafka = new FakeKafka().setTopic('market-data', 6);
    // another writer raised the count just before; our first read still sees 6, the broker refuses ours
    kafka.metadataDelay = 1;
    await kafka.createPartitions(
      { topic: 'market-data', count: 12 },
      { signal: new AbortController().signal },
    );
    kafka.metadataDelay = 0;
    const res = await action.execute(ctx({ topic: 'market-data', partitions: 12 }), kafka, 'p-3');
    expect(res.changed).toBe(false);
  });

  it('waits for rollout until metadata shows the new count', async () => {
    const kafka = new FakeKafka().setTopic('market-data', 6);
    kafka.metadataDelay = 3;
    await action.execute(ctx({ topic: 'market-data', partitions: 12 }), kafka, 'p-4');
    const before = kafka.callsOf('fetchTopicMetadata').length;
    const status = await action.waitForRollout?.(ctx({ topic: 'market-data', partitions: 12 }), kafka);
    expect(status).toBe('market-data has 12 partitions');
    // three stale reads, then the read that sees 12
    expect(kafka.callsOf('fetchTopicMetadata').length - before).toBe(4);
  });

  it('stops waiting when the signal aborts', async () => {
    const kafka = new FakeKafka().setTopic('market-data', 6);
    const ac = new AbortController();
    const waiting = action.waitForRollout?.(ctx({ topic: 'market-data', partitions: 12 }, ac.signal), kafka);
    ac.abort(new Error('rollout deadline'));
    await expect(waiting).rejects.toThrow('rollout deadline');
  });

  it('refuses a hostile topic name before calling Kafka', async () => {
    const kafka = new FakeKafka().setTopic('market-data', 6);
    const hostile = { topic: 'market-data --delete', partitions: 12 };
    await expect(action.plan(ctx(hostile), kafka)).rejects.toMatchObject({ code: ErrorCode.InvalidInput });
    await expect(action.execute(ctx(hostile), kafka, 'p-5')).rejects.toMatchObject({
      code: ErrorCode.InvalidInput,
    });
    expect(kafka.calls).toEqual([]);
  });
});
