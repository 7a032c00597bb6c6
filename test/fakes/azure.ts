// An HTTP-level Azure Monitor: the metrics batch API
//   POST /subscriptions/{sub}/metrics:getBatch?api-version=2024-02-01&starttime&endtime&interval
//        &metricnamespace&metricnames&aggregation   body {"resourceids":[…]}
// and the Log Analytics query API
//   POST /v1/workspaces/{id}/query   body {"query":"…","timespan":"start/end"}
// with bearer-token checks, recorded calls, and 429 + Retry-After. The SDKs refuse to send a
// bearer token over plain http, so clients keep their https endpoint and take `httpClient()`,
// which sends each request to this server instead (and remembers the URL the SDK wanted).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDefaultHttpClient, type HttpClient } from '@azure/core-rest-pipeline';

export type AzureApi = 'metrics' | 'logs';

export interface AzureCall {
  api: AzureApi;
  path: string;
  query: Record<string, string>;
  body: Record<string, unknown>;
  headers: IncomingMessage['headers'];
}

export interface LogsResult {
  tables: { name: string; columns: { name: string; type: string }[]; rows: unknown[][] }[];
  /** Present → the service reports a partial failure next to the tables. */
  error?: { code: string; message: string };
}

interface StoredMetric {
  resourceId: string;
  name: string;
  unit: string;
  samples: { t: number; v: number }[];
}

interface Failure {
  status: number;
  code: string;
  message: string;
  retryAfter?: string;
}

/** A TokenCredential that always hands out the same token (what the fake expects). */
export function staticCredential(token = 'fake-azure-token') {
  return { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) };
}

export class FakeAzureMonitor {
  readonly calls: AzureCall[] = [];
  /** URLs the SDK meant to reach before httpClient() redirected them here. */
  readonly requestedUrls: string[] = [];
  token = 'fake-azure-token';
  private readonly metrics: StoredMetric[] = [];
  private readonly logs: { match: string | RegExp; result: LogsResult }[] = [];
  private readonly failures: Record<AzureApi, Failure[]> = { metrics: [], logs: [] };
  private stalled = false;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FakeAzureMonitor> {
    let fake: FakeAzureMonitor | undefined;
    const server = createServer((req, res) => {
      fake
        ?.handle(req, res)
        .catch((err: unknown) => send(res, 500, { error: { code: 'InternalError', message: String(err) } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeAzureMonitor(server, `http://127.0.0.1:${port}`);
    return fake;
  }

  /** An HttpClient that keeps path and query but sends the request to this fake over http. */
  httpClient(): HttpClient {
    const inner = createDefaultHttpClient();
    const origin = new URL(this.url);
    return {
      sendRequest: (request) => {
        this.requestedUrls.push(request.url);
        const target = new URL(request.url);
        target.protocol = origin.protocol;
        target.host = origin.host;
        request.url = target.toString();
        // Only the final hop is plain http; the SDK's own policies saw (and required) https.
        request.allowInsecureConnection = true;
        return inner.sendRequest(request);
      },
    };
  }

  /** Raw samples of a resource's metric; the fake aggregates them per requested time grain. */
  putMetric(
    resourceId: string,
    name: string,
    unit: string,
    samples: { timestamp: Date | number; value: number }[],
  ): this {
    let m = this.metrics.find(
      (x) => x.resourceId.toLowerCase() === resourceId.toLowerCase() && x.name === name,
    );
    if (!m) {
      m = { resourceId, name, unit, samples: [] };
      this.metrics.push(m);
    }
    for (const s of samples) m.samples.push({ t: new Date(s.timestamp).getTime(), v: s.value });
    return this;
  }

  /** Queries containing `match` (or matching the RegExp) get `result`. */
  onQuery(match: string | RegExp, result: LogsResult): this {
    this.logs.unshift({ match, result });
    return this;
  }

  /** The next `times` requests to `api` get 429 with Retry-After (seconds). */
  throttleNext(api: AzureApi, times = 1, retryAfterSeconds = 0): this {
    for (let i = 0; i < times; i++) {
      this.failures[api].push({
        status: 429,
        code: 'TooManyRequests',
        message: 'Rate limit exceeded',
        retryAfter: String(retryAfterSeconds),
      });
    }
    return this;
  }

  failNext(api: AzureApi, status: number, code: string, message = code): this {
    this.failures[api].push({ status, code, message });
    return this;
  }

  /** Requests are recorded but never answered. */
  stall(): this {
    this.stalled = true;
    return this;
  }

  callsOf(api: AzureApi): AzureCall[] {
    return this.calls.filter((c) => c.api === api);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', this.url);
    const metrics = /^\/subscriptions\/([^/]+)\/metrics:getBatch$/.exec(url.pathname);
    const logs = /^\/v1\/workspaces\/([^/]+)\/query$/.exec(url.pathname);
    const api: AzureApi | undefined = metrics ? 'metrics' : logs ? 'logs' : undefined;
    if (req.method !== 'POST' || !api) {
      return send(res, 404, {
        error: { code: 'PathNotFoundError', message: `${req.method} ${url.pathname}` },
      });
    }
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      return send(res, 401, {
        error: { code: 'AuthenticationFailed', message: 'missing or invalid bearer token' },
      });
    }
    if (!String(req.headers['content-type']).startsWith('application/json')) {
      return send(res, 415, {
        error: { code: 'UnsupportedMediaType', message: 'expected application/json' },
      });
    }
    const body = JSON.parse(raw || '{}') as Record<string, unknown>;
    this.calls.push({
      api,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body,
      headers: req.headers,
    });
    if (this.stalled) return;

    const failure = this.failures[api].shift();
    if (failure) {
      if (failure.retryAfter !== undefined) res.setHeader('retry-after', failure.retryAfter);
      return send(res, failure.status, { error: { code: failure.code, message: failure.message } });
    }
    if (api === 'metrics') return this.getBatch(url.searchParams, body, res);
    return this.query(logs?.[1] ?? '', body, res);
  }

  private getBatch(q: URLSearchParams, body: Record<string, unknown>, res: ServerResponse) {
    if (q.get('api-version') !== '2024-02-01') {
      return send(res, 400, {
        error: { code: 'InvalidApiVersion', message: `api-version ${q.get('api-version')}` },
      });
    }
    const start = Date.parse(q.get('starttime') ?? '');
    const end = Date.parse(q.get('endtime') ?? '');
    const grain = GRAIN_MS[q.get('interval') ?? 'PT1M'];
    const names = (q.get('metricnames') ?? '').split(',');
    const aggs = (q.get('aggregation') ?? 'average').split(',');
    if (!Number.isFinite(start) || !Number.isFinite(end) || !grain) {
      return send(res, 400, {
        error: { code: 'BadRequest', message: 'starttime, endtime and interval are required' },
      });
    }
    const ids = (body.resourceids as string[] | undefined) ?? [];
    const values = [];
    for (const id of ids) {
      const metrics = [];
      for (const name of names) {
        const m = this.metrics.find(
          (x) => x.resourceId.toLowerCase() === id.toLowerCase() && x.name === name,
        );
        if (!m) {
          return send(res, 400, {
            error: {
              code: 'BadRequest',
              message: `Failed to find metric configuration for provider, metric: ${name}`,
            },
          });
        }
        metrics.push({
          id: `${id}/providers/Microsoft.Insights/metrics/${name}`,
          type: 'Microsoft.Insights/metrics',
          name: { value: name, localizedValue: name },
          displayDescription: name,
          unit: m.unit,
          timeseries: [{ metadatavalues: [], data: grains(m.samples, start, end, grain, aggs) }],
          errorCode: 'Success',
        });
      }
      values.push({
        starttime: new Date(start).toISOString(),
        endtime: new Date(end).toISOString(),
        interval: q.get('interval'),
        namespace: q.get('metricnamespace'),
        resourceregion: 'westeurope',
        resourceid: id,
        value: metrics,
      });
    }
    send(res, 200, { values });
  }

  private query(workspaceId: string, body: Record<string, unknown>, res: ServerResponse) {
    const query = String(body.query ?? '');
    if (typeof body.timespan !== 'string' || !body.timespan.includes('/')) {
      return send(res, 400, { error: { code: 'BadArgumentError', message: 'timespan must be start/end' } });
    }
    const hit = this.logs.find((l) =>
      typeof l.match === 'string' ? query.includes(l.match) : l.match.test(query),
    );
    if (!hit) {
      return send(res, 400, {
        error: {
          code: 'BadArgumentError',
          message: `The request had some invalid properties (workspace ${workspaceId})`,
        },
      });
    }
    send(res, 200, hit.result);
  }
}

const GRAIN_MS: Record<string, number> = {
  PT1M: 60_000,
  PT5M: 300_000,
  PT15M: 900_000,
  PT30M: 1_800_000,
  PT1H: 3_600_000,
  PT6H: 21_600_000,
  PT12H: 43_200_000,
  P1D: 86_400_000,
};

/** Every grain of [start, end) gets a timestamp; only grains with samples carry values (as Azure does). */
function grains(
  samples: { t: number; v: number }[],
  start: number,
  end: number,
  grain: number,
  aggs: string[],
) {
  const out = [];
  for (let t = start; t < end; t += grain) {
    const vs = samples.filter((s) => s.t >= t && s.t < t + grain).map((s) => s.v);
    const point: Record<string, string | number> = { timeStamp: new Date(t).toISOString() };
    if (vs.length > 0) {
      const sum = vs.reduce((a, b) => a + b, 0);
      const all: Record<string, number> = {
        average: sum / vs.length,
        minimum: Math.min(...vs),
        maximum: Math.max(...vs),
        total: sum,
        count: vs.length,
      };
      for (const a of aggs) if (all[a] !== undefined) point[a] = all[a];
    }
    out.push(point);
  }
  return out;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'x-ms-request-id': crypto.randomUUID(),
  });
  res.end(text);
}
