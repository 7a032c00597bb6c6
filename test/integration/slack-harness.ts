// A whole perfbot for Slack tests: real Redis (the harness's), the real HTTP server with the
// alert routes and POST /slack/events, the chat runtime pointed at the Slack fake through
// SLACK_API_URL, and check implementations given by the test. Helpers send what Slack and
// Alertmanager would send.
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { auditLines } from '../../commands/audit.js';
import { dispatch } from '../../commands/index.js';
import { type App, createApp } from '../../src/app.js';
import type { AuditTrail } from '../../src/audit/trail.js';
import { type ChatRuntime, createChat } from '../../src/chat/runtime.js';
import type { ChannelQueueOptions } from '../../src/chat/slack/channel-queue.js';
import type { SlackRuntimeTuning } from '../../src/chat/slack/runtime.js';
import { loadConfig } from '../../src/config.js';
import type { BackendName, Measurement } from '../../src/diagnostics/types.js';
import type { IncidentStore } from '../../src/incidents/store.js';
import {
  type AnyActionDefinition,
  type AnyCheckDefinition,
  loadAllKinds,
} from '../../src/integrations/registry.js';
import { type Logger, silentLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics.js';
import { PlaybookCatalog } from '../../src/playbooks/catalog.js';
import { type ActionKind, CHECK_KINDS, type CheckKind } from '../../src/playbooks/kinds.js';
import { loadPlaybooksOrThrow } from '../../src/playbooks/loader.js';
import { buildServer } from '../../src/server.js';
import { type Service, startResponse } from '../../src/services.js';
import {
  blockActionBody,
  type FakeMessage,
  FakeSlack,
  type FakeSlackOptions,
  sendSigned,
  slashCommandBody,
} from '../fakes/slack.js';
import { testRedis } from '../support/redis.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';
export const INCIDENT_CHANNEL = 'C0INCIDENT';

export interface HarnessOptions {
  playbooksDir?: string;
  checks?: Partial<Record<CheckKind, AnyCheckDefinition>>;
  backends?: Partial<Record<BackendName, unknown>>;
  env?: Record<string, string>;
  fake?: FakeSlackOptions;
  queue?: ChannelQueueOptions;
  /** Action implementations (the registry by default). */
  actions?: Partial<Record<ActionKind, AnyActionDefinition>>;
  /** Runs after the app is built (start a worker on app.remediation, say). */
  withApp?: (app: App) => void;
  /** The app's clock (tests move it to expire proposals). */
  now?: () => Date;
  /** Remediation job retries. */
  backoffMs?: number;
  /** Without Slack credentials: the terminal is the incident channel. */
  terminal?: boolean;
  log?: Logger;
  /** The HTTP server's request timeout (slow-loris tests shorten it). */
  requestTimeoutMs?: number;
  /** More Slack runtime tuning (re-check interval, retry policy, Socket Mode timings). */
  slack?: SlackRuntimeTuning;
}

export interface Harness {
  fake: FakeSlack;
  app: App;
  chat: ChatRuntime;
  server: FastifyInstance;
  url: string;
  prefix: string;
  incidents: IncidentStore;
  audit: AuditTrail;
  printed: string[];
  slash(text: string, o?: { user?: string; channel?: string }): Promise<{ status: number; body: string }>;
  click(o: {
    actionId: string;
    value: string;
    user: string;
    channel: string;
    messageTs: string;
  }): Promise<{ status: number; body: string }>;
  alertmanager(payload: unknown): Promise<Response>;
  /** Every accepted event handled, every diagnosis done, every Slack write made. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(o: HarnessOptions = {}): Promise<Harness> {
  const fake = await new FakeSlack(o.fake).start();
  const { redis: probe, url: redisUrl, prefix } = testRedis();
  probe.disconnect();
  const config = loadConfig({
    PLAYBOOKS_DIR: o.playbooksDir ?? 'playbooks',
    ...(o.terminal
      ? {}
      : {
          SLACK_BOT_TOKEN: fake.token,
          SLACK_SIGNING_SECRET: SIGNING_SECRET,
          SLACK_API_URL: fake.apiUrl,
          SLACK_INCIDENT_CHANNEL: INCIDENT_CHANNEL,
        }),
    ...o.env,
  });
  const catalog = new PlaybookCatalog(await loadPlaybooksOrThrow(config.playbooksDir));
  const app = await createApp({
    config,
    log: o.log ?? silentLogger,
    redisUrl,
    prefix,
    catalog,
    backends: o.backends ?? {},
    checks: o.checks ?? Object.fromEntries((await loadAllKinds()).checks),
    actions: o.actions,
    metrics: createMetrics({ defaultMetrics: false }),
    now: o.now,
    remediation: { backoffMs: o.backoffMs ?? 20 },
  });
  o.withApp?.(app);
  const { incidents, audit } = app;
  const printed: string[] = [];
  const chat = await createChat(app, {
    dispatch,
    auditLines: (filter) => auditLines(app.audit, filter),
    consumer: 'test-replica',
    write: (t) => printed.push(t),
    chartDir: undefined,
    // Fast retries after a 429 so tests do not wait Slack's real schedule.
    slack: { retryConfig: { retries: 5, minTimeout: 50, maxTimeout: 200 }, queue: o.queue, ...o.slack },
  });
  const server = await buildServer(app, { routes: chat.routes, requestTimeoutMs: o.requestTimeoutMs });
  const response: Service = startResponse(app, 'test-replica');
  const url = await server.listen({ port: 0, host: '127.0.0.1' });
  await chat.start();

  return {
    fake,
    app,
    chat,
    server,
    url,
    prefix,
    incidents,
    audit,
    printed,
    slash: (text, so = {}) => sendSigned(`${url}/slack/events`, SIGNING_SECRET, slashCommandBody(text, so)),
    click: (c) => sendSigned(`${url}/slack/events`, SIGNING_SECRET, blockActionBody(c)),
    alertmanager: (payload) =>
      fetch(`${url}/alerts/alertmanager`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
      }),
    settle: () => settle(app, chat),
    close: async () => {
      await server.close();
      await chat.stop();
      await response.stop();
      await app.close();
      await fake.stop();
    },
  };
}

/** The environment of a `perfbot serve` child process whose Slack is the fake. */
export function slackServeEnv(o: {
  redisUrl: string;
  fake: FakeSlack;
  webhookToken: string;
  channel: string;
  signingSecret: string;
}): Record<string, string> {
  return {
    REDIS_URL: o.redisUrl,
    PERFBOT_WEBHOOK_TOKEN: o.webhookToken,
    PLAYBOOKS_DIR: 'playbooks',
    SLACK_BOT_TOKEN: o.fake.token,
    SLACK_SIGNING_SECRET: o.signingSecret,
    SLACK_API_URL: o.fake.apiUrl,
    SLACK_INCIDENT_CHANNEL: o.channel,
    LOG_LEVEL: 'info',
  };
}

/**
 * Opens one incident on a running perfbot: a new Alertmanager group `<tag><n>` of alert `name`
 * (no playbook takes it). Asserts the 202 and returns the incident id.
 */
export async function openDrillIncident(
  baseUrl: string,
  webhookToken: string,
  drill: { name: string; tag: string; fingerprint: string },
  n: number,
): Promise<string> {
  const group = `${drill.tag}${n}`;
  const res = await fetch(`${baseUrl}/alerts/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${webhookToken}` },
    body: JSON.stringify(
      alertmanagerPayload({
        groupKey: `{}:{alertname="${drill.name}",group="${group}"}`,
        status: 'firing',
        alerts: [{ alertname: drill.name, labels: { group }, fingerprint: `${drill.fingerprint}-${n}` }],
      }),
    ),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { incidents: string[] }).incidents[0] as string;
}

/** An Alertmanager v4 webhook body for one group. */
export function alertmanagerPayload(o: {
  groupKey: string;
  status: 'firing' | 'resolved';
  alerts: {
    alertname: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    status?: 'firing' | 'resolved';
    startsAt?: string;
    endsAt?: string;
    fingerprint: string;
  }[];
}): Record<string, unknown> {
  const alerts = o.alerts.map((a) => ({
    status: a.status ?? o.status,
    labels: { alertname: a.alertname, ...a.labels },
    annotations: a.annotations ?? {},
    startsAt: a.startsAt ?? '2026-01-01T12:00:00.000Z',
    endsAt: a.endsAt ?? '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus.example/graph',
    fingerprint: a.fingerprint,
  }));
  return {
    version: '4',
    groupKey: o.groupKey,
    truncatedAlerts: 0,
    status: o.status,
    receiver: 'perfbot',
    groupLabels: { alertname: o.alerts[0]?.alertname ?? '' },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example',
    alerts,
  };
}

export async function waitUntil<T>(
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  ms = 20_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// Loaded once: every integration's real definitions, for their back end names.
const REAL_CHECKS: Partial<Record<string, AnyCheckDefinition>> = Object.fromEntries(
  (await loadAllKinds()).checks,
);

/** Every check kind, answering from `measure` instead of a back end (each on its real back end name). */
export function fakeChecks(
  measure: (kind: CheckKind, params: Record<string, unknown>) => Measurement | Promise<Measurement>,
): Partial<Record<CheckKind, AnyCheckDefinition>> {
  return Object.fromEntries(
    CHECK_KINDS.map((kind) => [
      kind,
      {
        kind,
        backend: REAL_CHECKS[kind]?.backend ?? 'prometheus',
        run: (ctx: { params: unknown }) => measure(kind, ctx.params as Record<string, unknown>),
      },
    ]),
  );
}

/** Back ends present (their checks are faked), so nothing is "skipped: set X". */
export const ALL_BACKENDS: Partial<Record<BackendName, unknown>> = {
  kubernetes: {},
  prometheus: {},
  clickhouse: {},
  kafka: {},
  redis: {},
  cloudwatch: {},
  azureMetrics: {},
  azureLogs: {},
  network: {},
};

const T0 = Date.UTC(2026, 0, 1, 11);
const series = (name: string, from: number, to: number) => [
  {
    name,
    points: Array.from({ length: 30 }, (_, i) => ({ t: T0 + i * 120_000, v: from + ((to - from) * i) / 29 })),
  },
];

/** The S3 connector throttled by S3: slow batches, slow downloads, SlowDown in the logs. */
export function s3Throttling(kind: CheckKind, params: Record<string, unknown>): Measurement {
  const text = JSON.stringify(params);
  if (kind === 'prometheus.query') {
    if (text.includes('log_processing')) return { value: 12, summary: 'P95 batch time 12 s' };
    if (text.includes('s3_download'))
      return {
        value: 3,
        summary: 'P95 download 3 s',
        evidence: { series: series('s3_download_p95', 0.3, 3) },
      };
    if (text.includes('rate_limit_wait')) return { value: 0.4 };
    if (text.includes('sentinel_ingestion')) return { value: 0.3 };
    if (text.includes('memory')) return { value: 2e8 };
    return { value: 20 };
  }
  if (kind === 'kubernetes.pod-logs') {
    if (text.includes('SlowDown'))
      return {
        value: 25,
        evidence: { counts: { slowdown: 25 }, samples: ['ERROR SlowDown: Please reduce your request rate.'] },
      };
    if (text.includes('rate_limited')) return { value: 50, evidence: { counts: { rate_limited: 50 } } };
    return { value: 0 };
  }
  if (kind === 'cloudwatch.metric') return { value: 12, evidence: { series: series('5xxErrors', 0, 12) } };
  return { value: 0 };
}

/**
 * Quiet: every diagnosis finished, every event of the three outboxes read and acknowledged by
 * the response and chat groups, every chat write made — twice in a row (one step can start the
 * next: an incident opens → a diagnosis → its events → their messages).
 */
async function settle(app: App, chat: ChatRuntime, ms = 30_000): Promise<void> {
  const streams = ['incident-events', 'response-events', 'remediation-events'].map(
    (s) => `${app.prefix}${s}`,
  );
  const end = Date.now() + ms;
  let quiet = 0;
  while (quiet < 2) {
    await app.response.idle();
    await chat.idle();
    quiet = (await drained(app, streams)) ? quiet + 1 : 0;
    if (Date.now() > end) throw new Error('harness did not settle');
    await new Promise((r) => setTimeout(r, 30));
  }
}

async function drained(app: App, streams: string[]): Promise<boolean> {
  for (const key of streams) {
    if (!(await app.redis.exists(key))) continue;
    const groups = (await app.redis.xinfo('GROUPS', key)) as unknown[][];
    for (const g of groups) {
      const info = new Map<string, unknown>();
      for (let i = 0; i + 1 < g.length; i += 2) info.set(String(g[i]), g[i + 1]);
      if (Number(info.get('pending')) > 0 || Number(info.get('lag') ?? 0) > 0) return false;
    }
  }
  return true;
}

/** The text of a recorded message's blocks (sections, fields, context, buttons), without the fallback. */
export function blocksText(m: FakeMessage | undefined): string {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) if (k === 'text' || typeof x === 'object') walk(x);
  };
  walk(m?.blocks ?? []);
  return out.join('\n');
}

/** Every text of a recorded message: the fallback, then its blocks' text. */
export const messageText = (m: FakeMessage | undefined): string => `${m?.text ?? ''}\n${blocksText(m)}`;

/** The buttons (and selects) of a recorded message's actions blocks. */
export const actionButtons = (m: FakeMessage | undefined) =>
  (m?.blocks ?? [])
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements as { action_id: string; value: string }[]);

/**
 * Waits for the reply in the incident thread under `rootTs` that starts with `start` (its
 * fallback text) or matches `start` as a predicate; diagnoses and jobs get 45 s by default.
 */
export const replyIn = (
  fake: FakeSlack,
  rootTs: string,
  start: string | ((m: FakeMessage) => boolean),
  what: string,
  ms = 45_000,
) =>
  waitUntil(
    () =>
      fake
        .thread(INCIDENT_CHANNEL, rootTs)
        .find(typeof start === 'string' ? (m) => m.text.startsWith(start) : start),
    what,
    ms,
  );

/** Waits for the ephemeral reply to `user` whose text or blocks include `what`. */
export const toldTo = (fake: FakeSlack, user: string, what: string) =>
  waitUntil(
    () =>
      fake.ephemerals.find((e) => e.user === user && `${e.text}\n${JSON.stringify(e.blocks)}`.includes(what)),
    `"${what}" told to ${user}`,
  );
