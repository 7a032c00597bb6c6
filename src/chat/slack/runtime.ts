// Builds the Bolt app: HTTP (our Fastify receiver at POST /slack/events) or Socket Mode when
// SLACK_APP_TOKEN is set. Slack's state never stops perfbot from starting: one bounded
// auth.test at start gives the bot's IDs and workspace URL (Bolt is handed the IDs, so it never
// calls auth.test itself); if Slack does not answer, writes wait and it is asked again (see
// availability.ts), and Socket Mode keeps trying to connect in the background.
//
// The WebClients share one instrumented fetch (every call counted and failures logged) and
// SLACK_API_URL: the sink's (one attempt per call: its queue retries without holding a
// channel), Bolt's and the ephemeral replies' (a few quick retries), Socket Mode's
// (apps.connections.open), and the availability re-check's.
import { App, LogLevel, SocketModeReceiver, webApi } from '@slack/bolt';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../../config.js';
import type { Logger } from '../../log.js';
import type { Metrics } from '../../metrics.js';
import { ChatRefs } from '../refs.js';
import { classifySlackError, instrumentedFetch } from './api-calls.js';
import { SlackAvailability } from './availability.js';
import { ChannelQueue, type ChannelQueueOptions } from './channel-queue.js';
import { slackLogger } from './logger.js';
import { RedisRateBudget } from './rate-budget.js';
import { FastifyReceiver } from './receiver.js';
import { SlackSink } from './sink.js';

/** What tests, benchmarks and the composition root may tune. */
export interface SlackRuntimeTuning {
  /** Retries of Bolt's own client (listeners' calls); the sink's writes retry in its queue. */
  retryConfig?: webApi.RetryOptions;
  queue?: ChannelQueueOptions;
  /** Clock of the signature check (tests send stale requests). */
  nowMs?: () => number;
  /** While Slack is unavailable it is asked again after firstRecheckMs (2 s), doubling up to recheckMs (30 s). */
  recheckMs?: number;
  firstRecheckMs?: number;
  /** One Web API call's time limit (default 10 s). */
  callTimeoutMs?: number;
  /** How long shutdown waits for queued messages (default 5 s). */
  closeGraceMs?: number;
  /** Socket Mode client timings (ms): reconnect delay and ping limits. */
  socket?: { clientPingTimeoutMs?: number; serverPingTimeoutMs?: number };
}

export interface SlackRuntimeOptions extends SlackRuntimeTuning {
  slack: Config['slack'];
  log: Logger;
  metrics?: Metrics | undefined;
  /** Replicas share each channel's rate budget here; an in-process budget without it. */
  redis?: Redis | undefined;
  prefix?: string | undefined;
}

export interface SlackRuntime {
  app: App;
  sink: SlackSink;
  mode: 'http' | 'socket';
  availability: SlackAvailability;
  /** Mounts POST /slack/events (HTTP mode only; a no-op in Socket Mode). */
  routes: (server: FastifyInstance) => Promise<void>;
  /** Socket Mode: starts connecting (in the background; never fails). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

// Bolt's client serves listeners (a user group's members for an approval): a few quick retries.
const BOLT_RETRY: webApi.RetryOptions = { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 2000 };

export async function createSlackRuntime(options: SlackRuntimeOptions): Promise<SlackRuntime> {
  const { slack, log } = options;
  const token = slack.botToken;
  if (!token) throw new Error('SLACK_BOT_TOKEN is not set');
  const logger = slackLogger(log);
  const timeout = options.callTimeoutMs ?? 10_000;
  const fetched = (failureLevel: 'warn' | 'debug') =>
    instrumentedFetch({ apiUrl: slack.apiUrl, log, metrics: options.metrics, failureLevel });
  const base: webApi.WebClientOptions = {
    slackApiUrl: slack.apiUrl,
    logger,
    fetch: fetched('warn'),
    timeout,
  };
  const once: webApi.WebClientOptions = {
    ...base,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  };

  const queueOptions = options.queue ?? {};
  const boltClientOptions: webApi.WebClientOptions = {
    ...base,
    retryConfig: options.retryConfig ?? BOLT_RETRY,
  };
  const sink = new SlackSink({
    client: new webApi.WebClient(token, once),
    replyClient: new webApi.WebClient(token, boltClientOptions),
    log,
    // issue-11 (SIGKILL): root posts recorded in Redis, so one made just before a crash is found.
    rootAttempts: options.redis ? new ChatRefs(options.redis, options.prefix ?? 'perfbot:') : undefined,
    queue: new ChannelQueue({
      classify: classifySlackError,
      budget: options.redis
        ? new RedisRateBudget({
            redis: options.redis,
            prefix: options.prefix ?? 'perfbot:',
            log,
            intervalMs: queueOptions.intervalMs ?? 1000,
            burst: Math.max(1, queueOptions.burst ?? 3),
          })
        : undefined,
      onUnavailable: (reason) => availability.markDown(reason),
      onGiveUp: (g) => log.warn(g, 'slack: gave up on a message'),
      ...queueOptions,
    }),
  });
  const checker = new webApi.WebClient(token, {
    ...once,
    fetch: fetched('debug'),
    timeout: Math.min(timeout, 5000),
  });
  const availability = new SlackAvailability({
    check: () => checker.auth.test(),
    log,
    recheckMs: options.recheckMs,
    firstRecheckMs: options.firstRecheckMs,
    onUp: (identity) => {
      sink.setTeamUrl(identity.url);
      sink.queue.release();
    },
    onDown: () => sink.queue.hold(),
  });
  const identity = await availability.first();

  const socket = slack.appToken !== undefined;
  const httpReceiver = socket
    ? undefined
    : new FastifyReceiver({ signingSecret: slack.signingSecret ?? '', log, now: options.nowMs });
  const receiver = socket
    ? new SocketModeReceiver({
        appToken: slack.appToken as string,
        logger,
        logLevel: LogLevel.INFO,
        // apps.connections.open goes to SLACK_API_URL too (GovSlack, proxies, tests); we retry
        // the start ourselves, below.
        installerOptions: { clientOptions: once },
        clientPingTimeout: options.socket?.clientPingTimeoutMs,
        serverPingTimeout: options.socket?.serverPingTimeoutMs,
      })
    : (httpReceiver as FastifyReceiver);
  const app = new App({
    token,
    receiver,
    botId: identity.botId,
    botUserId: identity.botUserId,
    clientOptions: boltClientOptions,
    logger,
    // Our own queue spaces channel writes; Bolt must not run listeners only after the response.
    processBeforeResponse: false,
  });
  app.error(async (err) => {
    log.error({ err }, 'slack listener error');
  });

  let stopped = false;
  const connectSocket = async () => {
    let delay = 1000;
    for (let attempt = 1; !stopped; attempt++) {
      try {
        await app.start();
        log.info({ attempt }, 'slack: Socket Mode connected');
        return;
      } catch (err) {
        if (stopped) return;
        if (attempt === 1)
          log.error({ err }, 'slack: Socket Mode could not connect; retrying in the background');
        else log.debug({ err, attempt }, 'slack: Socket Mode still not connected');
        await new Promise((r) => setTimeout(r, delay).unref());
        delay = Math.min(delay * 2, 60_000);
      }
    }
  };

  return {
    app,
    sink,
    mode: socket ? 'socket' : 'http',
    availability,
    routes: async (server) => {
      if (httpReceiver) await server.register(httpReceiver.routes);
    },
    start: async () => {
      if (socket) void connectSocket();
    },
    stop: async () => {
      stopped = true;
      availability.stop();
      await sink.close(options.closeGraceMs ?? 5000);
      if (socket)
        await app.stop().catch((err: unknown) => log.warn({ err }, 'slack: Socket Mode stop failed'));
    },
  };
}
