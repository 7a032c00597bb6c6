// Prometheus over its HTTP API with an injected fetch. Queries go as POST form bodies, so long
// PromQL never meets a URL length limit. Failures become coded errors: network trouble, 429
// and 5xx are retryable; a bad query (400) or an execution error (422) is not.
import { PerfbotError, TimeoutError, UpstreamError } from '../../errors.js';
import type { InstantResult, PrometheusPort, PromSeries, RangeRequest } from './port.js';
import { PromEnvelope, toInstantResult, toRangeResult } from './schema.js';

const SERVICE = 'prometheus';

export interface PrometheusClientOptions {
  /** e.g. http://prometheus.monitoring:9090 or https://host/prometheus (a path prefix is kept). */
  baseUrl: string;
  fetch?: typeof fetch;
  /** Extra headers, e.g. Authorization for a proxy in front of Prometheus. */
  headers?: Record<string, string>;
  now?: () => number;
}

export function createPrometheusClient(options: PrometheusClientOptions): PrometheusPort {
  const doFetch = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
  const headers: Record<string, string> = {
    accept: 'application/json',
    'content-type': 'application/x-www-form-urlencoded',
    ...options.headers,
  };
  // fetch refuses URLs with credentials; user:pass@ in PROMETHEUS_URL means basic auth.
  if (base.username || base.password) {
    const user = decodeURIComponent(base.username);
    const pass = decodeURIComponent(base.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    base.username = '';
    base.password = '';
  }

  async function call(path: string, form: Record<string, string>, signal: AbortSignal) {
    const what = `${SERVICE} ${path}`;
    const started = now();
    const aborted = () => {
      const reason: unknown = signal.reason;
      return reason instanceof PerfbotError ? reason : new TimeoutError(what, now() - started);
    };
    let status: number;
    let text: string;
    try {
      const res = await doFetch(new URL(path, base), {
        method: 'POST',
        headers,
        body: new URLSearchParams(form).toString(),
        signal,
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      if (signal.aborted) throw aborted();
      throw new UpstreamError(SERVICE, `${path}: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
    let body: PromEnvelope | undefined;
    try {
      body = PromEnvelope.parse(JSON.parse(text));
    } catch {
      body = undefined;
    }
    if (status < 200 || status >= 300 || body?.status !== 'success') {
      const detail = body?.error
        ? `${body.errorType ?? 'error'}: ${body.error}`
        : `HTTP ${status}${text ? `: ${text.trim().slice(0, 200)}` : ''}`;
      // A 200 carrying status "error" is a query problem, not a flaky server.
      throw new UpstreamError(SERVICE, `${path}: ${detail}`, { status: status < 300 ? 400 : status });
    }
    if (!body.data) throw new UpstreamError(SERVICE, `${path}: response without data`, { status: 502 });
    return body.data;
  }

  return {
    async query(promql, { signal, time }): Promise<InstantResult> {
      const form: Record<string, string> = { query: promql };
      if (time) form.time = String(time.getTime() / 1000);
      const data = await call('api/v1/query', form, signal);
      const result = toInstantResult(data);
      if (!result) throw malformed('api/v1/query', data.resultType);
      return result;
    },
    async queryRange(promql, range: RangeRequest, { signal }): Promise<PromSeries[]> {
      const data = await call(
        'api/v1/query_range',
        {
          query: promql,
          start: String(range.start.getTime() / 1000),
          end: String(range.end.getTime() / 1000),
          step: String(range.stepSeconds),
        },
        signal,
      );
      const series = toRangeResult(data);
      if (!series) throw malformed('api/v1/query_range', data.resultType);
      return series;
    },
  };
}

function malformed(path: string, resultType: string): UpstreamError {
  return new UpstreamError(SERVICE, `${path}: unexpected ${resultType} result`, { retryable: false });
}
