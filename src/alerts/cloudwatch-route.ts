// POST /alerts/cloudwatch: Amazon SNS delivery. Authenticated by the message signature, not the
// webhook token (SNS cannot send one). Only topics in PERFBOT_SNS_TOPIC_ARNS are confirmed or
// accepted: anyone can create a topic and point it at us, but only we can confirm it.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InvalidInputError, UpstreamError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { parseCloudWatchAlarm } from './cloudwatch.js';
import { type IntakeDeps, intakeBatch } from './intake.js';
import { parseSnsEnvelope, SNS_SUBSCRIBE_URL, type SnsVerifier } from './sns.js';

export interface SnsRouteDeps {
  verifier: SnsVerifier;
  fetch: typeof globalThis.fetch;
  topics: readonly string[];
  intake: IntakeDeps;
  log: Logger;
  metrics: Metrics;
}

export async function handleSns(req: FastifyRequest, reply: FastifyReply, deps: SnsRouteDeps) {
  const msg = parseSnsEnvelope(req.body);
  await deps.verifier(msg);
  if (!deps.topics.includes(msg.TopicArn)) {
    deps.log.warn(
      { topicArn: msg.TopicArn, type: msg.Type },
      'SNS topic is not in PERFBOT_SNS_TOPIC_ARNS: message refused',
    );
    deps.metrics.webhookRejected.inc({ source: 'cloudwatch', reason: 'forbidden' });
    return reply.code(403).send({ error: `topic ${msg.TopicArn} is not allowed (PERFBOT_SNS_TOPIC_ARNS)` });
  }

  switch (msg.Type) {
    case 'SubscriptionConfirmation': {
      const url = msg.SubscribeURL ?? '';
      if (!SNS_SUBSCRIBE_URL.test(url)) throw new InvalidInputError('SubscribeURL', 'not an Amazon SNS URL');
      let res: Response;
      try {
        res = await deps.fetch(url, { signal: AbortSignal.timeout(5000), redirect: 'error' });
        await res.arrayBuffer();
      } catch (err) {
        throw new UpstreamError('sns', `subscription confirmation failed: ${(err as Error).message}`, {
          cause: err,
        });
      }
      if (!res.ok) {
        throw new UpstreamError('sns', `subscription confirmation answered ${res.status}`, {
          status: res.status,
        });
      }
      deps.log.info({ topicArn: msg.TopicArn }, 'SNS subscription confirmed');
      return reply.code(200).send({ confirmed: true, topicArn: msg.TopicArn });
    }
    case 'UnsubscribeConfirmation':
      deps.log.warn({ topicArn: msg.TopicArn }, 'SNS subscription was removed');
      return reply.code(200).send({ unsubscribed: true, topicArn: msg.TopicArn });
    case 'Notification': {
      const batch = parseCloudWatchAlarm(msg.Message, {
        topicArn: msg.TopicArn,
        messageId: msg.MessageId,
        subject: msg.Subject,
      });
      return reply.code(202).send(await intakeBatch(deps.intake, batch));
    }
  }
}
