// Builds the Bolt app: HTTP (our Fastify receiver at POST /slack/events) or Socket Mode when
// SLACK_APP_TOKEN is set. One auth.test at start validates the token and gives the bot's IDs
// and workspace URL; Bolt is handed those IDs so it never calls auth.test itself.
import { App, LogLevel, SocketModeReceiver, webApi } from '@slack/bolt';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config.js';
import { errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';
import { ChannelQueue, type ChannelQueueOptions } from './channel-queue.js';
import { slackLogger } from './logger.js';
import { FastifyReceiver } from './receiver.js';
import { SlackSink } from './sink.js';

export interface SlackRuntimeOptions {
  slack: Config['slack'];
  log: Logger;
  /** Tests shorten the WebClient's retry schedule; production keeps Slack's default. */
  retryConfig?: webApi.RetryOptions;
  queue?: ChannelQueueOptions;
  /** Clock of the signature check (tests send stale requests). */
  nowMs?: () => number;
}

export interface SlackRuntime {
  app: App;
  sink: SlackSink;
  mode: 'http' | 'socket';
  /** Mounts POST /slack/events (HTTP mode only; a no-op in Socket Mode). */
  routes: (server: FastifyInstance) => Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function createSlackRuntime(options: SlackRuntimeOptions): Promise<SlackRuntime> {
  const { slack, log } = options;
  const token = slack.botToken;
  if (!token) throw new Error('SLACK_BOT_TOKEN is not set');
  const logger = slackLogger(log);
  const clientOptions: webApi.WebClientOptions = {
    slackApiUrl: slack.apiUrl,
    logger,
    ...(options.retryConfig ? { retryConfig: options.retryConfig } : {}),
  };
  // Bounded: a wrong SLACK_API_URL must not hold the start-up for the default 30 minutes of retries.
  const identity = await whoAmI(
    new webApi.WebClient(token, { ...clientOptions, retryConfig: { retries: 1 }, timeout: 5000 }),
    log,
  );

  const socket = slack.appToken !== undefined;
  const httpReceiver = socket
    ? undefined
    : new FastifyReceiver({ signingSecret: slack.signingSecret ?? '', log, now: options.nowMs });
  const receiver = socket
    ? new SocketModeReceiver({ appToken: slack.appToken as string, logger, logLevel: LogLevel.INFO })
    : (httpReceiver as FastifyReceiver);
  const app = new App({
    token,
    receiver,
    botId: identity.botId,
    botUserId: identity.botUserId,
    clientOptions,
    logger,
    // Our own queue spaces channel writes; Bolt must not run listeners only after the response.
    processBeforeResponse: false,
  });
  app.error(async (err) => {
    log.error({ err }, 'slack listener error');
  });
  const sink = new SlackSink({
    client: app.client,
    log,
    queue: new ChannelQueue(options.queue),
    teamUrl: identity.url,
  });
  return {
    app,
    sink,
    mode: socket ? 'socket' : 'http',
    routes: async (server) => {
      if (httpReceiver) await server.register(httpReceiver.routes);
    },
    start: async () => {
      if (socket) await app.start();
    },
    stop: async () => {
      await sink.idle();
      if (socket) await app.stop();
    },
  };
}

async function whoAmI(
  client: webApi.WebClient,
  log: Logger,
): Promise<{ botId: string; botUserId: string; url: string | undefined }> {
  try {
    const res = await client.auth.test();
    log.info({ team: res.team, botUserId: res.user_id }, 'slack: connected');
    return { botId: res.bot_id ?? 'B0UNKNOWN', botUserId: res.user_id ?? 'U0UNKNOWN', url: res.url };
  } catch (err) {
    // Webhooks and diagnoses still work; every Slack write will fail and be logged.
    log.error({ err: errorMessage(err) }, 'slack: auth.test failed; check SLACK_BOT_TOKEN and SLACK_API_URL');
    return { botId: 'B0UNKNOWN', botUserId: 'U0UNKNOWN', url: undefined };
  }
}
