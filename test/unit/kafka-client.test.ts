// The kafkajs adapter, with an admin object shaped like kafkajs' (no broker can run here).
import kafkajs, { type Admin, type Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ErrorCode } from '../../src/errors.js';
import { createBackends } from '../../src/integrations/backends.js';
import { createKafkaClient, normalizeKafkaError } from '../../src/integrations/kafka/client.js';
import { silentLogger } from '../../src/log.js';

const {
  KafkaJSConnectionError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSSASLAuthenticationError,
} = kafkajs;

function fakeAdmin(overrides: Partial<Admin> = {}) {
  const log: string[] = [];
  const admin = {
    connect: async () => {
      log.push('connect');
    },
    disconnect: async () => {
      log.push('disconnect');
    },
    fetchOffsets: async ({ groupId, topics }: { groupId: string; topics?: string[] }) => {
      log.push(`fetchOffsets ${groupId} ${topics?.join(',') ?? '*'}`);
      return [{ topic: 'market-data', partitions: [{ partition: 0, offset: '42', metadata: null }] }];
    },
    fetchTopicOffsets: async () => [{ partition: 0, offset: '100', high: '100', low: '7' }],
    fetchTopicMetadata: async () => ({
      topics: [
        {
          name: 'market-data',
          partitions: [{ partitionErrorCode: 0, partitionId: 0, leader: 2, replicas: [2, 3], isr: [2] }],
        },
      ],
    }),
    describeGroups: async () => ({
      groups: [
        {
          groupId: 'g',
          state: 'Stable',
          protocol: 'range',
          protocolType: 'consumer',
          members: [
            {
              memberId: 'm',
              clientId: 'c',
              clientHost: '/10.0.0.1',
              memberAssignment: Buffer.alloc(0),
              memberMetadata: Buffer.alloc(0),
            },
          ],
        },
      ],
    }),
    createPartitions: async (req: unknown) => {
      log.push(`createPartitions ${JSON.stringify(req)}`);
      return true;
    },
    ...overrides,
  };
  const kafka = { admin: () => admin as unknown as Admin } satisfies Pick<Kafka, 'admin'>;
  return { kafka, log };
}

const opts = () => ({ signal: new AbortController().signal });

describe('createKafkaClient', () => {
  it('maps kafkajs answers to the port types over one lazily opened connection', async () => {
    const { kafka, log } = fakeAdmin();
    const client = createKafkaClient({ brokers: ['k:9092'], log: silentLogger, kafka });
    expect(await client.fetchOffsets({ groupId: 'g', topics: ['market-data'] }, opts())).toEqual([
      { topic: 'market-data', partitions: [{ partition: 0, offset: '42' }] },
    ]);
    expect(await client.fetchTopicOffsets('market-data', opts())).toEqual([
      { partition: 0, low: '7', high: '100' },
    ]);
    expect(await client.fetchTopicMetadata(['market-data'], opts())).toEqual([
      { name: 'market-data', partitions: [{ partitionId: 0, leader: 2, replicas: [2, 3], isr: [2] }] },
    ]);
    expect(await client.describeGroups(['g'], opts())).toEqual([
      { groupId: 'g', state: 'Stable', members: [{ memberId: 'm', clientId: 'c', clientHost: '/10.0.0.1' }] },
    ]);
    await client.createPartitions({ topic: 'market-data', count: 12 }, opts());
    await client.close();
    expect(log).toEqual([
      'connect',
      'fetchOffsets g market-data',
      'createPartitions {"topicPartitions":[{"topic":"market-data","count":12}]}',
      'disconnect',
    ]);
  });

  it('answers with the abort reason when a call outlives its signal', async () => {
    const { kafka } = fakeAdmin({ fetchTopicOffsets: () => new Promise(() => {}) });
    const client = createKafkaClient({ brokers: ['k:9092'], log: silentLogger, kafka });
    const ac = new AbortController();
    const pending = client.fetchTopicOffsets('market-data', { signal: ac.signal });
    const reason = new Error('deadline');
    ac.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  it('normalizes a failed call to a coded error', async () => {
    const { kafka } = fakeAdmin({
      connect: async () => {
        throw new KafkaJSConnectionError('Connection refused', { broker: 'k:9092' });
      },
    });
    const client = createKafkaClient({ brokers: ['k:9092'], log: silentLogger, kafka });
    await expect(client.describeGroups(['g'], opts())).rejects.toMatchObject({
      code: ErrorCode.UpstreamRetryable,
      retryable: true,
    });
  });
});

describe('normalizeKafkaError', () => {
  const protocol = (type: string, retriable: boolean) =>
    new KafkaJSProtocolError({ message: type, type, code: 0, retriable } as unknown as Error);

  it('keeps broker and network trouble retryable', () => {
    expect(normalizeKafkaError(new KafkaJSConnectionError('refused'), 'x').retryable).toBe(true);
    expect(normalizeKafkaError(protocol('NOT_LEADER_FOR_PARTITION', true), 'x').retryable).toBe(true);
    const exhausted = new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('refused'), {
      retryCount: 2,
      retryTime: 100,
    });
    expect(normalizeKafkaError(exhausted, 'x')).toMatchObject({ code: ErrorCode.UpstreamRetryable });
    expect(normalizeKafkaError(new Error('socket hang up'), 'x')).toMatchObject({ retryable: true });
  });

  it('does not retry what cannot succeed', () => {
    const unknownTopic = new KafkaJSNumberOfRetriesExceeded(protocol('UNKNOWN_TOPIC_OR_PARTITION', true), {
      retryCount: 2,
      retryTime: 100,
    });
    expect(normalizeKafkaError(unknownTopic, 'fetchTopicMetadata')).toMatchObject({
      code: ErrorCode.Upstream,
      retryable: false,
      message: 'kafka: fetchTopicMetadata: UNKNOWN_TOPIC_OR_PARTITION',
    });
    expect(
      normalizeKafkaError(
        new (KafkaJSSASLAuthenticationError as unknown as new (m: string) => Error)('bad password'),
        'x',
      ).retryable,
    ).toBe(false);
    expect(normalizeKafkaError(protocol('INVALID_PARTITIONS', false), 'x').retryable).toBe(false);
  });
});

describe('createBackends', () => {
  it('configures kafka only when KAFKA_BROKERS is set', async () => {
    const none = createBackends(loadConfig({}), silentLogger);
    expect(none.has('kafka')).toBe(false);
    await none.close();
    const some = createBackends(loadConfig({ KAFKA_BROKERS: 'kafka-0:9092,kafka-1:9092' }), silentLogger);
    expect(await some.get('kafka')).toEqual(expect.objectContaining({ fetchOffsets: expect.any(Function) }));
    await some.close();
  });
});
