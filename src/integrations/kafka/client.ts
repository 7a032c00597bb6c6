// kafkajs adapter for the Kafka port. kafkajs is unmaintained since 2023 but its admin client
// is stable for the five calls perfbot makes (README.md, "Kafka security", says why it stays). Its calls take no AbortSignal, so each is raced
// against the signal: the caller gets its answer (the abort reason) on time, the orphaned
// request finishes or times out on its own inside kafkajs.
import type { Admin, Kafka as KafkaInstance, logCreator } from 'kafkajs';
import kafkajs from 'kafkajs';
import type { KafkaSecurity } from '../../config.js';
import { PerfbotError, UpstreamError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { KafkaPort } from './port.js';
import { type KafkaSecurityDeps, kafkaSecurityOptions } from './security.js';

// kafkajs is CommonJS and spreads its error classes into module.exports, which Node's ESM
// loader cannot see as named exports; take them from the default export.
const { Kafka, KafkaJSError, KafkaJSNumberOfRetriesExceeded, KafkaJSSASLAuthenticationError, logLevel } =
  kafkajs;

export interface KafkaClientOptions {
  brokers: string[];
  log: Logger;
  clientId?: string;
  /** TLS and SASL (Config.kafka); plaintext without. */
  security?: KafkaSecurity;
  securityDeps?: KafkaSecurityDeps;
  /** Injected in tests instead of a kafkajs instance built from the options above. */
  kafka?: Pick<KafkaInstance, 'admin'>;
}

export type KafkaClient = KafkaPort & { close(): Promise<void> };

export function createKafkaClient(options: KafkaClientOptions): KafkaClient {
  const kafka =
    options.kafka ??
    new Kafka({
      clientId: options.clientId ?? 'perfbot',
      brokers: options.brokers,
      ...(options.security ? kafkaSecurityOptions(options.security, options.securityDeps) : {}),
      // Diagnostics run under a deadline of seconds: fail fast instead of kafkajs' 5 retries.
      connectionTimeout: 3000,
      requestTimeout: 10_000,
      retry: { retries: 2, initialRetryTime: 200, maxRetryTime: 2000 },
      logLevel: logLevel.WARN,
      logCreator: pinoLogCreator(options.log),
    });
  let admin: Admin | undefined;
  let connecting: Promise<Admin> | undefined;

  // One admin connection, opened on first use; a failed connect is forgotten so the next call retries.
  const connected = (): Promise<Admin> => {
    if (admin) return Promise.resolve(admin);
    connecting ??= (async () => {
      const a = kafka.admin();
      await a.connect();
      admin = a;
      return a;
    })().finally(() => {
      connecting = undefined;
    });
    return connecting;
  };

  const call = <T>(signal: AbortSignal, what: string, work: (a: Admin) => Promise<T>): Promise<T> =>
    abortable(signal, async () => {
      try {
        return await work(await connected());
      } catch (err) {
        throw normalizeKafkaError(err, what);
      }
    });

  return {
    fetchOffsets: ({ groupId, topics }, { signal }) =>
      call(signal, `fetchOffsets ${groupId}`, async (a) => {
        const res = await a.fetchOffsets(topics ? { groupId, topics } : { groupId });
        return res.map((t) => ({
          topic: t.topic,
          partitions: t.partitions.map((p) => ({ partition: p.partition, offset: p.offset })),
        }));
      }),
    fetchTopicOffsets: (topic, { signal }) =>
      call(signal, `fetchTopicOffsets ${topic}`, async (a) =>
        (await a.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, low: p.low, high: p.high })),
      ),
    fetchTopicMetadata: (topics, { signal }) =>
      call(signal, 'fetchTopicMetadata', async (a) =>
        (await a.fetchTopicMetadata({ topics })).topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partitionId: p.partitionId,
            leader: p.leader,
            replicas: p.replicas,
            isr: p.isr,
          })),
        })),
      ),
    describeGroups: (groupIds, { signal }) =>
      call(signal, 'describeGroups', async (a) =>
        (await a.describeGroups(groupIds)).groups.map((g) => ({
          groupId: g.groupId,
          state: g.state,
          members: g.members.map((m) => ({
            memberId: m.memberId,
            clientId: m.clientId,
            clientHost: m.clientHost,
          })),
        })),
      ),
    createPartitions: ({ topic, count }, { signal }) =>
      call(signal, `createPartitions ${topic}`, async (a) => {
        await a.createPartitions({ topicPartitions: [{ topic, count }] });
      }),
    close: async () => {
      const a = admin ?? (await connecting?.catch(() => undefined));
      admin = undefined;
      await a?.disconnect();
    },
  };
}

/** Runs `work`, settling early with the signal's reason when the signal aborts first. */
export function abortable<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work()
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** kafkajs errors → coded errors: broker/network trouble is retryable, bad requests are not. */
export function normalizeKafkaError(err: unknown, what: string): PerfbotError {
  if (err instanceof PerfbotError) return err;
  const root = err instanceof KafkaJSNumberOfRetriesExceeded && err.cause instanceof Error ? err.cause : err;
  const message = `${what}: ${root instanceof Error ? root.message : String(root)}`;
  const type = (root as { type?: unknown }).type;
  if (
    type === 'UNKNOWN_TOPIC_OR_PARTITION' ||
    type === 'GROUP_AUTHORIZATION_FAILED' ||
    type === 'TOPIC_AUTHORIZATION_FAILED'
  ) {
    return new UpstreamError('kafka', message, { retryable: false, cause: err });
  }
  if (root instanceof KafkaJSSASLAuthenticationError) {
    return new UpstreamError('kafka', message, { retryable: false, cause: err });
  }
  // Exhausted retries of a retriable error are still worth another attempt later.
  if (err instanceof KafkaJSNumberOfRetriesExceeded)
    return new UpstreamError('kafka', message, { retryable: true, cause: err });
  if (root instanceof KafkaJSError)
    return new UpstreamError('kafka', message, { retryable: root.retriable, cause: err });
  return new UpstreamError('kafka', message, { retryable: true, cause: err });
}

function pinoLogCreator(log: Logger): logCreator {
  return () =>
    ({ namespace, level, log: entry }) => {
      const { message, timestamp: _t, ...fields } = entry;
      const details = { component: 'kafkajs', namespace, kafkaMessage: message, ...fields };
      if (level === logLevel.ERROR) log.error(details, 'kafkajs error');
      else if (level === logLevel.WARN) log.warn(details, 'kafkajs warning');
      else log.debug(details, 'kafkajs debug');
    };
}
