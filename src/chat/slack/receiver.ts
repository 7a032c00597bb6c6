// A Bolt receiver mounted on perfbot's own Fastify server at POST /slack/events, so Slack,
// webhooks and health share one port. It keeps the raw body (the signature covers the exact
// bytes), verifies it, hands the parsed body to Bolt and answers the HTTP request as soon as a
// listener calls ack() — the listener's long work then continues after the response. A body
// that is signed but malformed is answered 400 naming the field (schema.ts); a listener that
// fails before acknowledging gets a plain 500, never its error text.
import { parse as parseQuery } from 'node:querystring';
import { type App, type Receiver, type ReceiverEvent, ReceiverMultipleAckError } from '@slack/bolt';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../log.js';
import {
  EventsBody,
  firstProblem,
  InteractionPayload,
  type SlackBodyKind,
  SlashCommandBody,
} from './schema.js';
import { verifySlackSignature } from './verify.js';

export const SLACK_EVENTS_PATH = '/slack/events';

export interface FastifyReceiverOptions {
  signingSecret: string;
  log: Logger;
  /** epoch ms; injected so tests can send stale requests. */
  now?: () => number;
  /** Slack gives up after 3 s; answer a request no listener acknowledged a little before that. */
  unackedTimeoutMs?: number;
}

type AckBody = string | Record<string, unknown> | undefined;

export class FastifyReceiver implements Receiver {
  private bolt: App | undefined;
  private readonly now: () => number;
  private readonly timeoutMs: number;

  constructor(private readonly options: FastifyReceiverOptions) {
    this.now = options.now ?? Date.now;
    this.timeoutMs = options.unackedTimeoutMs ?? 2500;
  }

  init(app: App): void {
    this.bolt = app;
  }

  // Fastify owns the socket: starting and stopping the server is serve's job.
  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  /** Fastify plugin: register with `server.register(receiver.routes)`. */
  readonly routes = async (scope: FastifyInstance): Promise<void> => {
    // Encapsulated: only this route sees raw buffers; the webhooks keep Fastify's JSON parser.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    scope.post(SLACK_EVENTS_PATH, async (req, reply) => {
      try {
        return await this.handle(req, reply);
      } catch (err) {
        // Whatever broke, the answer says nothing about our internals.
        this.options.log.error({ err }, 'slack request failed');
        return reply.code(500).send({ error: 'internal_error' });
      }
    });
  };

  private async handle(req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const verdict = verifySlackSignature({
      secret: this.options.signingSecret,
      signature: header(req, 'x-slack-signature'),
      timestamp: header(req, 'x-slack-request-timestamp'),
      rawBody: raw,
      nowMs: this.now(),
    });
    if (!verdict.ok) {
      this.options.log.warn({ reason: verdict.reason, ip: req.ip }, 'slack request refused');
      return reply.code(401).send({ error: 'invalid_signature', reason: verdict.reason });
    }
    let parsed: ParsedBody;
    try {
      parsed = parseBody(raw, header(req, 'content-type') ?? '');
    } catch (err) {
      const field = err instanceof MalformedSlackBodyError ? err.field : '(body)';
      this.options.log.warn({ field, ip: req.ip }, 'slack request refused: malformed body');
      return reply.code(400).send({ error: 'malformed_body', field });
    }
    if (parsed.kind === 'ssl_check') return reply.code(200).send();
    const body = parsed.body;
    if (body.type === 'url_verification') return reply.code(200).send({ challenge: body.challenge });
    if (!this.bolt) return reply.code(503).send({ error: 'slack_not_ready' });

    const answer = await this.dispatch(body, req);
    if (answer.status !== 200) return reply.code(answer.status).send();
    if (answer.body === undefined || answer.body === '') return reply.code(200).send();
    if (typeof answer.body === 'string') return reply.code(200).type('text/plain').send(answer.body);
    return reply.code(200).send(answer.body);
  }

  /** Resolves at the first of: ack(), a listener error before ack, or the unacked timeout. */
  private dispatch(
    body: Record<string, unknown>,
    req: FastifyRequest,
  ): Promise<{ status: number; body?: AckBody }> {
    const bolt = this.bolt as App;
    return new Promise((resolve) => {
      let acked = false;
      const timer = setTimeout(() => {
        if (acked) return;
        acked = true;
        this.options.log.warn(
          { type: body.type, command: body.command },
          'slack request not acknowledged in time',
        );
        resolve({ status: 200 });
      }, this.timeoutMs);
      const retry = header(req, 'x-slack-retry-num');
      const event: ReceiverEvent = {
        body,
        retryNum: retry === undefined ? undefined : Number(retry),
        retryReason: header(req, 'x-slack-retry-reason'),
        ack: async (response?: AckBody) => {
          if (acked) throw new ReceiverMultipleAckError();
          acked = true;
          clearTimeout(timer);
          resolve({ status: 200, body: response });
        },
      };
      bolt.processEvent(event).catch((err: unknown) => {
        this.options.log.error({ err, type: body.type }, 'slack listener failed');
        if (acked) return;
        acked = true;
        clearTimeout(timer);
        resolve({ status: 500 });
      });
    });
  }
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export class MalformedSlackBodyError extends Error {
  constructor(readonly field: string) {
    super(`malformed Slack request: ${field}`);
    this.name = 'MalformedSlackBodyError';
  }
}

export type ParsedBody = { kind: 'ssl_check' } | { kind: SlackBodyKind; body: Record<string, unknown> };

/**
 * Slash commands are plain forms; interactivity is a form with one JSON `payload` field; the
 * Events API sends JSON. Each is checked for the fields Bolt and the listeners rely on.
 */
export function parseBody(raw: Buffer, contentType: string): ParsedBody {
  const text = raw.toString('utf8');
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    const form = Object.fromEntries(
      Object.entries(parseQuery(text)).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]),
    );
    if ('payload' in form) {
      const payload = parseJson(form.payload ?? '', 'payload');
      const r = InteractionPayload.safeParse(payload);
      if (!r.success) throw new MalformedSlackBodyError(firstProblem(r.error, 'payload'));
      return { kind: 'interaction', body: r.data as Record<string, unknown> };
    }
    if (form.ssl_check === '1') return { kind: 'ssl_check' };
    const r = SlashCommandBody.safeParse(form);
    if (!r.success) throw new MalformedSlackBodyError(firstProblem(r.error, ''));
    return { kind: 'command', body: { ...r.data, text: r.data.text ?? '' } };
  }
  const r = EventsBody.safeParse(parseJson(text, '(body)'));
  if (!r.success) throw new MalformedSlackBodyError(firstProblem(r.error, ''));
  return { kind: 'event', body: r.data as Record<string, unknown> };
}

function parseJson(text: string, field: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new MalformedSlackBodyError(field);
  }
}
