// Every Slack Web API call perfbot makes — the sink's writes, Bolt's client, Socket Mode's
// apps.connections.open, the availability re-check — goes through this fetch, so each one is
// counted in /metrics (perfbot_slack_api_calls_total{method,outcome}) and each failure is logged
// once with what Slack said. And the one place that reads a WebClient error and decides what
// it means for delivery: retry (after how long), give up, or "Slack as a whole is unavailable".
import { webApi } from '@slack/bolt';
import type { Logger } from '../../log.js';
import type { Metrics } from '../../metrics.js';

/**
 * The `outcome` label values of perfbot_slack_api_calls_total. deploy/monitoring/perfbot.rules.yml
 * and the Grafana dashboard match on them (test/unit/metrics-labels.test.ts keeps them in step).
 */
export const CALL_OUTCOMES = [
  'ok',
  'ratelimited',
  'http_5xx',
  'http_4xx',
  'timeout',
  'network_error',
  'slack_error',
] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

export interface InstrumentedFetchOptions {
  /** SLACK_API_URL: calls under it are named by their method; anything else is a file upload. */
  apiUrl: string;
  log: Logger;
  metrics?: Metrics | undefined;
  /** Failed calls are logged at this level ('debug' for the periodic availability re-check). */
  failureLevel?: 'warn' | 'debug';
  fetch?: typeof globalThis.fetch;
}

export function instrumentedFetch(o: InstrumentedFetchOptions): webApi.FetchFunction {
  const base = o.apiUrl.endsWith('/') ? o.apiUrl : `${o.apiUrl}/`;
  const doFetch = o.fetch ?? globalThis.fetch;
  const level = o.failureLevel ?? 'warn';
  const record = (method: string, outcome: CallOutcome, details: Record<string, unknown>) => {
    o.metrics?.slackApiCalls.inc({ method, outcome });
    if (outcome !== 'ok') o.log[level]({ method, outcome, ...details }, 'slack call failed');
  };
  const wrapped = async (url: string | URL, init?: RequestInit): Promise<Response> => {
    const method = methodOf(String(url), base);
    const started = Date.now();
    let res: Response;
    try {
      res = await doFetch(url, init);
    } catch (err) {
      const timeout = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      record(method, timeout ? 'timeout' : 'network_error', {
        ms: Date.now() - started,
        error: err instanceof Error ? err.message : String(err),
      });
      throw err;
    }
    const ms = Date.now() - started;
    if (res.status === 429) {
      record(method, 'ratelimited', { status: 429, ms, retryAfterSec: res.headers.get('retry-after') });
    } else if (res.status >= 500) {
      record(method, 'http_5xx', { status: res.status, ms });
    } else if (res.status !== 200) {
      record(method, 'http_4xx', { status: res.status, ms });
    } else if ((res.headers.get('content-type') ?? '').includes('json')) {
      const body = (await res
        .clone()
        .json()
        .catch(() => undefined)) as { ok?: unknown; error?: unknown } | undefined;
      if (body?.ok === false) record(method, 'slack_error', { error: String(body.error), ms });
      else record(method, 'ok', {});
    } else {
      record(method, 'ok', {});
    }
    return res;
  };
  return wrapped as unknown as webApi.FetchFunction;
}

function methodOf(url: string, base: string): string {
  if (!url.startsWith(base)) return 'files.upload';
  const method = url.slice(base.length).split(/[?#]/)[0] ?? '';
  // A label value: bounded to what a method name looks like.
  return /^[A-Za-z][\w.]{0,63}$/.test(method) ? method : 'unknown';
}

/** What a failed Slack call means for delivering the message. */
export type Verdict =
  /** Nothing will change by trying again (bad channel, message too long, no permission). */
  | { kind: 'fail'; reason: string }
  /**
   * Worth trying again: `afterMs` is Slack's Retry-After when it gave one; `ambiguous` when
   * Slack may have acted on the call although it answered with an error (5xx, timeout, reset).
   */
  | { kind: 'retry'; reason: string; afterMs?: number; rateLimited?: boolean; ambiguous: boolean }
  /** The token or workspace is not usable: hold every write until a re-check passes. */
  | { kind: 'unavailable'; reason: string };

const AUTH_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'token_expired',
  'account_inactive',
  'team_disabled',
  'org_login_required',
]);
const TRANSIENT_ERRORS = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'ratelimited',
  'rate_limited',
  'team_added_to_org',
]);

export function classifySlackError(err: unknown): Verdict {
  if (err instanceof webApi.WebAPIRateLimitedError) {
    return {
      kind: 'retry',
      reason: 'ratelimited',
      afterMs: err.retryAfter * 1000,
      rateLimited: true,
      ambiguous: false,
    };
  }
  if (err instanceof webApi.WebAPIHTTPError) {
    if (err.statusCode >= 500) return { kind: 'retry', reason: `http ${err.statusCode}`, ambiguous: true };
    if (err.statusCode === 408) return { kind: 'retry', reason: 'http 408', ambiguous: true };
    return { kind: 'fail', reason: `http ${err.statusCode}` };
  }
  if (err instanceof webApi.WebAPIPlatformError) {
    const code = String(err.data.error);
    if (AUTH_ERRORS.has(code)) return { kind: 'unavailable', reason: code };
    if (TRANSIENT_ERRORS.has(code)) return { kind: 'retry', reason: code, ambiguous: false };
    return { kind: 'fail', reason: code };
  }
  if (err instanceof webApi.WebAPIRequestError) {
    const original = err.original as Error & { cause?: { code?: unknown }; code?: unknown };
    // Node's system errors name themselves in `code` (a string); a DOMException's is a number.
    const named = [original.cause?.code, original.code].find((c) => typeof c === 'string');
    const code = typeof named === 'string' ? named : undefined;
    // Refused or unresolvable: the request never reached Slack, so it cannot have been acted on.
    const neverSent = code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
    return { kind: 'retry', reason: code ?? original.name ?? 'request error', ambiguous: !neverSent };
  }
  return { kind: 'fail', reason: err instanceof Error ? err.message : String(err) };
}
