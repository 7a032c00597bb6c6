// An HTTP fake of the Slack Web API speaking the real wire format: POST /api/<method> with a
// form-encoded or JSON body and `Authorization: Bearer xoxb-…`, answers `{ ok, … }`, 429 with
// Retry-After when told to (or when a channel goes over its rate), and a files upload URL on
// itself for files.uploadV2. Faults can be injected per method: 429s, 5xx (optionally after
// the message was posted — "posted, then 500"), Slack errors such as invalid_auth, calls that
// never answer, and dropped connections. Messages keep their metadata and can be read back
// (conversations.history / .replies); apps.connections.open hands out a WebSocket URL for
// Socket Mode. Every call is recorded for assertions. Also: a signer for the requests Slack
// sends to perfbot (slash commands, block_actions).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parse as parseQuery } from 'node:querystring';
import { slackSignature } from '../../src/chat/slack/verify.js';

export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  token: string | undefined;
  /** 429 when the fake refused it (the client is expected to retry). */
  status: number;
  /** Date.now() when the fake received it. */
  at: number;
  /** performance.now() when the fake received it (benchmarks in the same process). */
  t: number;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  threadTs: string | undefined;
  text: string;
  blocks: Record<string, unknown>[];
  updates: number;
  metadata?: { event_type: string; event_payload: Record<string, unknown> } | undefined;
}

/** A fault for the next matching calls. */
export interface FakeFault {
  /** The Web API method it hits (any method when absent). */
  method?: string;
  /** HTTP status to answer (429 with `retryAfterSec`, 5xx, …). */
  status?: number;
  retryAfterSec?: number;
  /** Answer 200 `{ ok: false, error }` (invalid_auth, internal_error, …). */
  error?: string;
  /** Never answer (the client's timeout decides). */
  hang?: boolean;
  /** Close the connection without an answer. */
  reset?: boolean;
  /** Do what the call asks (post the message) before answering with the fault. */
  commit?: boolean;
  /** How many calls it hits (default 1; Infinity until cleared). */
  times?: number;
}

export interface FakeUpload {
  fileId: string;
  filename: string;
  /** The `length` files.getUploadURLExternal was given. */
  length: number;
  /** The file's content as uploaded (the multipart file part, or the raw body). */
  data: Buffer;
  bytes: number;
  png: boolean;
  channel: string | undefined;
  threadTs: string | undefined;
  title: string | undefined;
}

export interface FakeSlackOptions {
  token?: string;
  /** Usergroup ID → member user IDs, for usergroups.users.list. */
  usergroups?: Record<string, string[]>;
  /** Per-channel token bucket on chat.postMessage/chat.update, like Slack's ~1 message/s. */
  channelRate?: { perSecond: number; burst: number };
  /** App-level token (xapp-…) apps.connections.open accepts. */
  appToken?: string;
  /** The WebSocket URL apps.connections.open hands out. */
  socketUrl?: string;
  /** Keep only counts of calls and no message bodies (benchmarks with thousands of messages). */
  light?: boolean;
}

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export class FakeSlack {
  readonly calls: RecordedCall[] = [];
  readonly messages = new Map<string, FakeMessage>();
  readonly uploads = new Map<string, FakeUpload>();
  readonly ephemerals: { channel: string; user: string; text: string; blocks: unknown }[] = [];
  private server: Server | undefined;
  private seq = 0;
  private refuseNext = 0;
  private retryAfterSec = 1;
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private faults: (FakeFault & { left: number })[] = [];
  private readonly hanging = new Set<ServerResponse>();
  readonly token: string;
  /** What apps.connections.open hands out (a test's WebSocket server). */
  socketUrl: string | undefined;
  /** Calls per method and status, kept even in `light` mode. */
  readonly counts = new Map<string, number>();

  constructor(private readonly options: FakeSlackOptions = {}) {
    this.token = options.token ?? 'xoxb-test-token';
    this.socketUrl = options.socketUrl;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        res.writeHead(500).end(String(err));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get port(): number {
    const address = this.server?.address() as AddressInfo | undefined;
    if (!address) throw new Error('fake Slack is not started');
    return address.port;
  }

  /** What SLACK_API_URL should be (the WebClient appends the method name). */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api/`;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** Injects a fault for the next matching calls (faults apply in the order given). */
  inject(fault: FakeFault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
  }

  /** Faults still waiting to hit. */
  get pendingFaults(): number {
    return this.faults.reduce((n, f) => n + (Number.isFinite(f.left) ? f.left : 1), 0);
  }

  private takeFault(method: string): FakeFault | undefined {
    const f = this.faults.find((x) => x.left > 0 && (x.method === undefined || x.method === method));
    if (!f) return undefined;
    f.left--;
    if (f.left <= 0) this.faults.splice(this.faults.indexOf(f), 1);
    return f;
  }

  /** Answer the next `n` Web API calls with 429 and `Retry-After: seconds`. */
  rateLimitNext(n: number, seconds = 1): void {
    this.refuseNext = n;
    this.retryAfterSec = seconds;
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method && c.status === 200);
  }

  get rateLimited(): RecordedCall[] {
    return this.calls.filter((c) => c.status === 429);
  }

  /** Top-level messages of a channel, in posting order. */
  roots(channel: string): FakeMessage[] {
    return [...this.messages.values()].filter((m) => m.channel === channel && m.threadTs === undefined);
  }

  thread(channel: string, ts: string): FakeMessage[] {
    return [...this.messages.values()].filter((m) => m.channel === channel && m.threadTs === ts);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.pathname.startsWith('/upload/'))
      return this.upload(url.pathname.slice(8), raw, req.headers['content-type'] ?? '', res);
    if (!url.pathname.startsWith('/api/') || req.method !== 'POST') return json(res, 404, { ok: false });
    const method = url.pathname.slice(5);
    const args = parseArgs(raw, req.headers['content-type'] ?? '');
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ')
      ? auth.slice(7)
      : typeof args.token === 'string'
        ? args.token
        : undefined;
    const call: RecordedCall = {
      method,
      args: this.options.light ? {} : args,
      token,
      status: 200,
      at: Date.now(),
      t: performance.now(),
    };
    if (!this.options.light) this.calls.push(call);
    const fault = this.takeFault(method);
    if (fault) {
      const count = (status: number) => this.count(method, status);
      if (fault.commit && (token === this.token || method === 'apps.connections.open'))
        this.answer(method, args);
      if (fault.hang) {
        call.status = 0;
        count(0);
        this.hanging.add(res);
        res.on('close', () => this.hanging.delete(res));
        return;
      }
      if (fault.reset) {
        call.status = 0;
        count(0);
        return void req.socket.destroy();
      }
      if (fault.error) {
        count(200);
        return json(res, 200, { ok: false, error: fault.error });
      }
      const status = fault.status ?? 500;
      call.status = status;
      count(status);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (status === 429) headers['retry-after'] = String(fault.retryAfterSec ?? 1);
      res.writeHead(status, headers);
      return void res.end(
        status === 429 ? JSON.stringify({ ok: false, error: 'ratelimited' }) : 'upstream error',
      );
    }
    if (this.refuseNext > 0 || this.overRate(method, args)) {
      if (this.refuseNext > 0) this.refuseNext--;
      call.status = 429;
      this.count(method, 429);
      res.writeHead(429, { 'retry-after': String(this.retryAfterSec), 'content-type': 'application/json' });
      return void res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
    }
    this.count(method, 200);
    const appCall = method === 'apps.connections.open';
    if (appCall ? token !== this.options.appToken : token !== this.token)
      return json(res, 200, { ok: false, error: 'invalid_auth' });
    return json(res, 200, this.answer(method, args));
  }

  private count(method: string, status: number): void {
    const key = `${method} ${status}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  private overRate(method: string, args: Record<string, unknown>): boolean {
    const rate = this.options.channelRate;
    if (!rate || (method !== 'chat.postMessage' && method !== 'chat.update')) return false;
    const channel = String(args.channel ?? '');
    const now = Date.now();
    const b = this.buckets.get(channel) ?? { tokens: rate.burst, at: now };
    b.tokens = Math.min(rate.burst, b.tokens + ((now - b.at) / 1000) * rate.perSecond);
    b.at = now;
    this.buckets.set(channel, b);
    if (b.tokens < 1) return true;
    b.tokens -= 1;
    return false;
  }

  private answer(method: string, a: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://fake.slack.com/',
          team: 'Fake',
          user: 'perfbot',
          team_id: 'T0FAKE',
          user_id: 'UPERFBOT',
          bot_id: 'BPERFBOT',
        };
      case 'chat.postMessage': {
        const channel = str(a.channel);
        if (!channel) return { ok: false, error: 'channel_not_found' };
        const ts = this.nextTs();
        const msg: FakeMessage = {
          channel,
          ts,
          threadTs: optStr(a.thread_ts),
          text: this.options.light ? '' : str(a.text),
          blocks: this.options.light ? [] : blocks(a.blocks),
          updates: 0,
          metadata: metadata(a.metadata),
        };
        this.messages.set(`${channel}/${ts}`, msg);
        return { ok: true, channel, ts, message: { text: msg.text, ts, blocks: msg.blocks } };
      }
      case 'chat.update': {
        const msg = this.messages.get(`${str(a.channel)}/${str(a.ts)}`);
        if (!msg) return { ok: false, error: 'message_not_found' };
        if (!this.options.light) {
          msg.text = str(a.text);
          if (a.blocks !== undefined) msg.blocks = blocks(a.blocks);
        }
        msg.updates++;
        return { ok: true, channel: msg.channel, ts: msg.ts, text: msg.text };
      }
      case 'conversations.history':
      case 'conversations.replies': {
        const channel = str(a.channel);
        const oldest = Number(a.oldest ?? 0);
        const root = optStr(a.ts);
        const withMeta = a.include_all_metadata === true || a.include_all_metadata === 'true';
        const found = [...this.messages.values()]
          .filter((m) => m.channel === channel && Number(m.ts) >= oldest)
          .filter((m) =>
            method === 'conversations.history'
              ? m.threadTs === undefined
              : m.ts === root || m.threadTs === root,
          )
          .sort((x, y) => Number(y.ts) - Number(x.ts))
          .slice(0, Number(a.limit ?? 100));
        return {
          ok: true,
          has_more: false,
          messages: found.map((m) => ({
            type: 'message',
            ts: m.ts,
            thread_ts: m.threadTs,
            text: m.text,
            ...(withMeta && m.metadata ? { metadata: m.metadata } : {}),
          })),
        };
      }
      case 'apps.connections.open':
        return this.socketUrl ? { ok: true, url: this.socketUrl } : { ok: false, error: 'internal_error' };
      case 'chat.postEphemeral':
        this.ephemerals.push({
          channel: str(a.channel),
          user: str(a.user),
          text: str(a.text),
          blocks: a.blocks,
        });
        return { ok: true, message_ts: this.nextTs() };
      case 'files.getUploadURLExternal': {
        // Both are required by Slack; the upload URL then takes the bytes.
        const length = Number(a.length);
        if (!str(a.filename) || !Number.isInteger(length) || length <= 0)
          return { ok: false, error: 'invalid_arguments' };
        const fileId = `F${String(++this.seq).padStart(8, '0')}`;
        this.uploads.set(fileId, {
          fileId,
          filename: str(a.filename),
          length,
          data: Buffer.alloc(0),
          bytes: 0,
          png: false,
          channel: undefined,
          threadTs: undefined,
          title: undefined,
        });
        return { ok: true, upload_url: `http://127.0.0.1:${this.port}/upload/${fileId}`, file_id: fileId };
      }
      case 'files.completeUploadExternal': {
        const files = (typeof a.files === 'string' ? JSON.parse(a.files) : a.files) as {
          id: string;
          title?: string;
        }[];
        for (const f of files) {
          const up = this.uploads.get(f.id);
          if (!up || up.bytes === 0) return { ok: false, error: 'file_not_found' };
          Object.assign(up, { channel: optStr(a.channel_id), threadTs: optStr(a.thread_ts), title: f.title });
        }
        return { ok: true, files: files.map((f) => ({ id: f.id, title: f.title })) };
      }
      case 'usergroups.users.list': {
        const users = this.options.usergroups?.[str(a.usergroup)];
        return users ? { ok: true, users } : { ok: false, error: 'no_such_subteam' };
      }
      case 'users.info': {
        const id = str(a.user);
        return {
          ok: true,
          user: {
            id,
            name: id.toLowerCase(),
            real_name: `User ${id}`,
            profile: { display_name: id.toLowerCase() },
          },
        };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  /**
   * The upload URL: like Slack's, it takes the file as the raw body or as a multipart form
   * (what the WebClient sends: one part holding the file), and answers "OK - <bytes>".
   */
  private async upload(fileId: string, raw: Buffer, contentType: string, res: ServerResponse): Promise<void> {
    const up = this.uploads.get(fileId);
    if (!up) return void res.writeHead(404).end();
    let data = raw;
    if (contentType.startsWith('multipart/form-data')) {
      const form = await new Response(new Uint8Array(raw), {
        headers: { 'content-type': contentType },
      }).formData();
      const part = [...form.values()][0];
      if (part === undefined) return void res.writeHead(400).end('no file part');
      data = typeof part === 'string' ? Buffer.from(part) : Buffer.from(await part.arrayBuffer());
    }
    up.data = data;
    up.bytes = data.length;
    up.png = data.subarray(0, PNG_MAGIC.length).equals(PNG_MAGIC);
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${data.length}`);
  }

  private nextTs(): string {
    return `${Math.floor(Date.now() / 1000)}.${String(++this.seq).padStart(6, '0')}`;
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseArgs(raw: Buffer, contentType: string): Record<string, unknown> {
  if (raw.length === 0) return {};
  if (contentType.startsWith('application/json'))
    return JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    const form = parseQuery(raw.toString('utf8'));
    return Object.fromEntries(Object.entries(form).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
  }
  return {};
}

function metadata(v: unknown): FakeMessage['metadata'] {
  const m = typeof v === 'string' ? (JSON.parse(v) as unknown) : v;
  if (!m || typeof m !== 'object') return undefined;
  const { event_type, event_payload } = m as { event_type?: unknown; event_payload?: unknown };
  if (typeof event_type !== 'string') return undefined;
  return { event_type, event_payload: (event_payload ?? {}) as Record<string, unknown> };
}

function blocks(v: unknown): Record<string, unknown>[] {
  if (typeof v === 'string') return JSON.parse(v) as Record<string, unknown>[];
  return Array.isArray(v) ? (v as Record<string, unknown>[]) : [];
}

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined ? '' : String(v));
const optStr = (v: unknown): string | undefined => (v === undefined || v === '' ? undefined : String(v));

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

// ---- requests from Slack to perfbot ------------------------------------------------------

export interface SignedRequest {
  headers: Record<string, string>;
  body: string;
}

/** Headers Slack would send with `body`; `timestamp` (epoch s) lets tests send stale requests. */
export function signRequest(
  secret: string,
  body: string,
  contentType: string,
  timestamp = Math.floor(Date.now() / 1000),
): SignedRequest {
  return {
    body,
    headers: {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': slackSignature(secret, timestamp, body),
    },
  };
}

export function slashCommandBody(
  text: string,
  o: { user?: string; channel?: string; command?: string } = {},
): string {
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: 'T0FAKE',
    team_domain: 'fake',
    channel_id: o.channel ?? 'C0OPS',
    channel_name: 'ops',
    user_id: o.user ?? 'U0ALICE',
    user_name: (o.user ?? 'U0ALICE').toLowerCase(),
    command: o.command ?? '/perf',
    text,
    api_app_id: 'A0PERFBOT',
    response_url: 'https://hooks.slack.invalid/commands/T0FAKE/1/x',
    trigger_id: '1.2.3',
  }).toString();
}

/**
 * What Slack sends when someone clicks a button (value) or, with `select`, picks an option of a
 * static_select (which carries no value of its own; the chosen option's value is `value`).
 */
export function blockActionBody(o: {
  actionId: string;
  value: string;
  user: string;
  channel: string;
  messageTs: string;
  threadTs?: string;
  select?: { blockId: string; label: string };
}): string {
  const action = o.select
    ? {
        type: 'static_select',
        action_id: o.actionId,
        block_id: o.select.blockId,
        selected_option: { text: { type: 'plain_text', text: o.select.label, emoji: true }, value: o.value },
        placeholder: { type: 'plain_text', text: 'Choose…', emoji: true },
        action_ts: String(Date.now() / 1000),
      }
    : {
        type: 'button',
        action_id: o.actionId,
        block_id: 'b1',
        value: o.value,
        action_ts: String(Date.now() / 1000),
      };
  const payload = {
    type: 'block_actions',
    team: { id: 'T0FAKE', domain: 'fake' },
    user: { id: o.user, username: o.user.toLowerCase(), team_id: 'T0FAKE' },
    api_app_id: 'A0PERFBOT',
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: o.messageTs, channel_id: o.channel, is_ephemeral: false },
    trigger_id: '1.2.3',
    channel: { id: o.channel, name: 'ops' },
    message: { type: 'message', ts: o.messageTs, thread_ts: o.threadTs, text: '' },
    response_url: 'https://hooks.slack.invalid/actions/T0FAKE/1/x',
    actions: [action],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** POSTs a signed Slack request to perfbot; returns status and body text. */
export async function sendSigned(
  url: string,
  secret: string,
  body: string,
  options: { contentType?: string; timestamp?: number; signature?: string } = {},
): Promise<{ status: number; body: string }> {
  const signed = signRequest(
    secret,
    body,
    options.contentType ?? 'application/x-www-form-urlencoded',
    options.timestamp,
  );
  if (options.signature) signed.headers['x-slack-signature'] = options.signature;
  const res = await fetch(url, { method: 'POST', headers: signed.headers, body });
  return { status: res.status, body: await res.text() };
}
