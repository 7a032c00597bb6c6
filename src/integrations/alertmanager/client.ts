// One Alertmanager over API v2 with an injected fetch. Network trouble, 429 and 5xx are
// retryable coded errors; a refused silence (400, e.g. a matcher Alertmanager rejects) is not.
import { TimeoutError, UpstreamError } from '../../errors.js';
import type { AlertmanagerPort } from './port.js';
import { GettableSilence, PostSilenceReply } from './schema.js';

const SERVICE = 'alertmanager';
const SILENCE_ID = /^[A-Za-z0-9-]{1,64}$/;

export interface AlertmanagerClientOptions {
  /** e.g. http://alertmanager.monitoring:9093 (a path prefix is kept; user:pass@ is basic auth). */
  baseUrl: string;
  fetch?: typeof fetch;
  /** Extra headers, e.g. Authorization for a proxy in front of Alertmanager. */
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export function createAlertmanagerClient(options: AlertmanagerClientOptions): AlertmanagerPort {
  const doFetch = options.fetch ?? fetch;
  const base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  // fetch refuses URLs with credentials; user:pass@ in ALERTMANAGER_URL means basic auth.
  if (base.username || base.password) {
    const creds = `${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`;
    headers.authorization = `Basic ${Buffer.from(creds).toString('base64')}`;
    base.username = '';
    base.password = '';
  }
  const url = base.toString().replace(/\/$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;

  async function call(
    method: string,
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
  ): Promise<{ status: number; json: unknown; text: string }> {
    const limit = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, limit]) : limit;
    let res: Response;
    try {
      res = await doFetch(new URL(path, base), {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: combined,
      });
    } catch (err) {
      if (limit.aborted) throw new TimeoutError(`${SERVICE} ${method} ${path}`, timeoutMs);
      throw new UpstreamError(SERVICE, `${url}: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text };
  }

  const fail = (what: string, r: { status: number; text: string }) =>
    new UpstreamError(
      SERVICE,
      `${url} ${what}: HTTP ${r.status}${r.text ? `: ${r.text.trim().slice(0, 200)}` : ''}`,
      {
        status: r.status,
      },
    );

  const port: AlertmanagerPort = {
    url,
    async createSilence(silence, signal) {
      const r = await call('POST', 'api/v2/silences', silence, signal);
      if (r.status !== 200) throw fail('refused the silence', r);
      const reply = PostSilenceReply.safeParse(r.json);
      if (!reply.success) throw fail('answered without a silenceID', { ...r, status: 502 });
      return reply.data.silenceID;
    },
    async getSilence(id, signal) {
      if (!SILENCE_ID.test(id)) return undefined;
      const r = await call('GET', `api/v2/silence/${id}`, undefined, signal);
      if (r.status === 404) return undefined;
      if (r.status !== 200) throw fail(`GET silence ${id}`, r);
      const parsed = GettableSilence.safeParse(r.json);
      if (!parsed.success) throw fail(`sent an unreadable silence ${id}`, { ...r, status: 502 });
      return parsed.data;
    },
    async expireSilence(id, signal) {
      if (!SILENCE_ID.test(id)) return false;
      const r = await call('DELETE', `api/v2/silence/${id}`, undefined, signal);
      if (r.status === 200) return true;
      if (r.status === 404) return false;
      // Alertmanager answers 500 "already expired" for a silence that has ended: not a failure.
      const now = await port.getSilence(id, signal);
      if (!now || now.status.state === 'expired') return false;
      throw fail(`DELETE silence ${id}`, r);
    },
    async listSilences(filter = [], signal) {
      const query = new URLSearchParams(filter.map((f): [string, string] => ['filter', f])).toString();
      const r = await call('GET', `api/v2/silences${query ? `?${query}` : ''}`, undefined, signal);
      if (r.status !== 200) throw fail('GET silences', r);
      if (!Array.isArray(r.json)) throw fail('sent silences that are not a list', { ...r, status: 502 });
      return r.json.flatMap((s) => {
        const parsed = GettableSilence.safeParse(s);
        return parsed.success ? [parsed.data] : [];
      });
    },
  };
  return port;
}
