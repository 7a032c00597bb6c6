import { describe, expect, it } from 'vitest';
import type { CheckContext } from '../../src/diagnostics/types.js';
import { ErrorCode } from '../../src/errors.js';
import { kafkaChecks } from '../../src/integrations/kafka/index.js';
import { silentLogger } from '../../src/log.js';
import type { CheckKind, CheckParams } from '../../src/playbooks/kinds.js';
import { FakeKafka } from '../fakes/kafka.js';

function ctx<K extends CheckKind>(
  params: CheckParams<K>,
  signal = new AbortController().signal,
): CheckContext<K> {
  return {
    params,
    namespace: 'market-data',
    target: { namespace: 'market-data', selector: {}, workloads: [] },
    signal,
    now: () => new Date('2026-01-01T00:00:00Z'),
    log: silentLogger,
  };
}

const lag = kafkaChecks['kafka.consumer-lag'];
const topic = kafkaChecks['kafka.topic'];

describe('kafka.consumer-lag', () => {
  it('sums lag over partitions, names the worst one, and lists partitions by lag', async () => {
    const kafka = new FakeKafka()
      .setTopic('market-data', 3)
      .setWatermarks('market-data', 0, 0, 1000)
      .setWatermarks('market-data', 1, 0, 5000)
      .setWatermarks('market-data', 2, 2000, 2500) // compacted: log starts at 2000
      .commit('enrichment', 'market-data', 0, 990)
      .commit('enrichment', 'market-data', 1, 1000)
      .setGroup('enrichment', 'Stable', 3);

    const m = await lag.run(ctx<'kafka.consumer-lag'>({ group: 'enrichment' }), kafka);

    expect(m.value).toBe(10 + 4000 + 500);
    expect(m.summary).toBe(
      'group enrichment (Stable, 3 members): total lag 4,510 messages on 3 partitions; worst market-data/1 at 4,000',
    );
    expect(m.evidence?.rows?.map((r) => [r.partition, r.lag, r.note])).toEqual([
      [1, 4000, null],
      [2, 500, 'no-commit'],
      [0, 10, null],
    ]);
    expect(m.evidence?.counts).toEqual({ partitions: 3, partitionsWithLag: 3, members: 3 });
  });

  it('asks only for the named topic and counts never-committed partitions from the log start', async () => {
    const kafka = new FakeKafka()
      .setTopic('market-data', 2)
      .setTopic('other', 1)
      .setWatermarks('market-data', 0, 100, 400)
      .setWatermarks('market-data', 1, 0, 50)
      .setWatermarks('other', 0, 0, 1_000_000)
      .commit('enrichment', 'other', 0, 0)
      .setGroup('enrichment', 'Empty', 0);

    const m = await lag.run(ctx<'kafka.consumer-lag'>({ group: 'enrichment', topic: 'market-data' }), kafka);

    expect(m.value).toBe(300 + 50);
    expect(m.summary).toContain('no active consumers');
    expect(kafka.callsOf('fetchOffsets')[0]?.args).toEqual([
      { groupId: 'enrichment', topics: ['market-data'] },
    ]);
    expect(kafka.callsOf('fetchTopicOffsets').map((c) => c.args[0])).toEqual(['market-data']);
  });

  it('clamps a commit past the log end to 0 lag', async () => {
    const kafka = new FakeKafka()
      .setTopic('t', 1)
      .setWatermarks('t', 0, 0, 100)
      .commit('g', 't', 0, 250)
      .setGroup('g', 'Stable', 1);
    const m = await lag.run(ctx<'kafka.consumer-lag'>({ group: 'g' }), kafka);
    expect(m.value).toBe(0);
    expect(m.evidence?.rows?.[0]?.note).toBe('ahead-of-log-end');
  });

  it('reports no value for a group without commits', async () => {
    const m = await lag.run(ctx<'kafka.consumer-lag'>({ group: 'nobody' }), new FakeKafka());
    expect(m.value).toBeUndefined();
    expect(m.summary).toBe('group nobody (Dead, 0 members) has no committed offsets');
  });

  it('refuses a hostile group or topic name before calling Kafka', async () => {
    const kafka = new FakeKafka();
    await expect(
      lag.run(ctx<'kafka.consumer-lag'>({ group: 'enrichment', topic: 'x$(reboot)' }), kafka),
    ).rejects.toMatchObject({ code: ErrorCode.InvalidInput, field: 'topic' });
    await expect(lag.run(ctx<'kafka.consumer-lag'>({ group: '../../etc' }), kafka)).rejects.toMatchObject({
      code: ErrorCode.InvalidInput,
      field: 'group',
    });
    expect(kafka.calls).toEqual([]);
  });

  it('gives up with the abort reason when the signal aborts mid-call', async () => {
    const kafka = new FakeKafka().setTopic('t', 1).hang('describeGroups');
    const ac = new AbortController();
    const run = lag.run(ctx<'kafka.consumer-lag'>({ group: 'g' }, ac.signal), kafka);
    const reason = new Error('check deadline');
    ac.abort(reason);
    await expect(run).rejects.toBe(reason);
  });
});

describe('kafka.topic', () => {
  it('measures the partition count', async () => {
    const kafka = new FakeKafka().setTopic('market-data', 6);
    const m = await topic.run(ctx<'kafka.topic'>({ topic: 'market-data', measure: 'partitions' }), kafka);
    expect(m.value).toBe(6);
    expect(m.summary).toBe('market-data has 6 partitions (replication factor 3)');
  });

  it('measures leader skew as the busiest broker against an even share, with a row per broker', async () => {
    // 6 partitions on 3 brokers: even share 2; broker 1 leads 4 → skew 2
    const kafka = new FakeKafka().setTopic('market-data', 6, { leaders: [1, 1, 1, 1, 2, 3] });
    const m = await topic.run(ctx<'kafka.topic'>({ topic: 'market-data', measure: 'leader-skew' }), kafka);
    expect(m.value).toBe(2);
    expect(m.status).toBeUndefined();
    expect(m.evidence?.rows).toEqual([
      { broker: 1, leaders: 4, replicas: 6 },
      { broker: 2, leaders: 1, replicas: 6 },
      { broker: 3, leaders: 1, replicas: 6 },
    ]);
  });

  it('is even at 1 and critical when a partition has no leader', async () => {
    const even = new FakeKafka().setTopic('t', 3);
    expect((await topic.run(ctx<'kafka.topic'>({ topic: 't', measure: 'leader-skew' }), even)).value).toBe(1);

    const offline = new FakeKafka().setTopic('t', 3, { leaders: [1, 2, -1] });
    const m = await topic.run(ctx<'kafka.topic'>({ topic: 't', measure: 'leader-skew' }), offline);
    expect(m.status).toBe('critical');
    expect(m.summary).toContain('1 partition offline');
  });

  it('fails without retry for an unknown topic', async () => {
    await expect(
      topic.run(ctx<'kafka.topic'>({ topic: 'missing', measure: 'partitions' }), new FakeKafka()),
    ).rejects.toMatchObject({ code: ErrorCode.Upstream, retryable: false });
  });

  it('refuses a hostile topic name before calling Kafka', async () => {
    const kafka = new FakeKafka();
    await expect(
      topic.run(ctx<'kafka.topic'>({ topic: 'a b\nc', measure: 'partitions' }), kafka),
    ).rejects.toMatchObject({ code: ErrorCode.InvalidInput });
    expect(kafka.calls).toEqual([]);
  });
});
