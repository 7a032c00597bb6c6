// An HTTP-level CloudWatch speaking what @aws-sdk/client-cloudwatch sends: AWS JSON 1.0
// (POST /, X-Amz-Target: GraniteServiceVersion20100801.<Operation>, Content-Type
// application/x-amz-json-1.0, SigV4 Authorization, timestamps as epoch seconds). It stores raw
// samples, aggregates them per period like CloudWatch (empty periods are omitted), answers
// newest first, pages with NextToken, and can throttle (400, __type Throttling, plus the
// x-amzn-query-error header CloudWatch sends for its query-compatible clients).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const TARGET_PREFIX = 'GraniteServiceVersion20100801.';

export interface FakeMetricId {
  namespace: string;
  metricName: string;
  dimensions?: Record<string, string>;
}

export interface CloudWatchCall {
  operation: string;
  body: Record<string, unknown>;
  headers: IncomingMessage['headers'];
}

interface StoredMetric {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  samples: { t: number; v: number }[];
}

interface Failure {
  status: number;
  type: string;
  message: string;
}

export class FakeCloudWatch {
  readonly calls: CloudWatchCall[] = [];
  /** Datapoints per GetMetricData page before a NextToken (AWS: up to 100,800). */
  pageSize = 100_800;
  private readonly metrics: StoredMetric[] = [];
  private readonly failures: Failure[] = [];
  private stalled = false;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FakeCloudWatch> {
    let fake: FakeCloudWatch | undefined;
    const server = createServer((req, res) => {
      fake
        ?.handle(req, res)
        .catch((err: unknown) => send(res, 500, { __type: 'InternalFailure', message: String(err) }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeCloudWatch(server, `http://127.0.0.1:${port}`);
    return fake;
  }

  /** Adds raw samples (like PutMetricData) to a metric identified by its exact dimension set. */
  putSamples(metric: FakeMetricId, samples: { timestamp: Date | number; value: number }[]): this {
    const dims = metric.dimensions ?? {};
    let m = this.metrics.find((x) => sameMetric(x, metric.namespace, metric.metricName, dims));
    if (!m) {
      m = { namespace: metric.namespace, metricName: metric.metricName, dimensions: dims, samples: [] };
      this.metrics.push(m);
    }
    for (const s of samples) m.samples.push({ t: new Date(s.timestamp).getTime(), v: s.value });
    return this;
  }

  /** The next `times` requests are refused with 400 Throttling (the SDK retries these). */
  throttleNext(times = 1): this {
    for (let i = 0; i < times; i++)
      this.failures.push({ status: 400, type: 'Throttling', message: 'Rate exceeded' });
    return this;
  }

  failNext(status: number, type: string, message = type): this {
    this.failures.push({ status, type, message });
    return this;
  }

  /** Requests are recorded but never answered (to test that callers give up on their signal). */
  stall(): this {
    this.stalled = true;
    return this;
  }

  callsOf(operation: string): CloudWatchCall[] {
    return this.calls.filter((c) => c.operation === operation);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    if (req.method !== 'POST' || req.url !== '/' || !target.startsWith(TARGET_PREFIX)) {
      return send(res, 400, { __type: 'UnknownOperationException', message: `unknown target "${target}"` });
    }
    if (req.headers['content-type'] !== 'application/x-amz-json-1.0') {
      return send(res, 415, {
        __type: 'UnsupportedMediaType',
        message: 'expected application/x-amz-json-1.0',
      });
    }
    if (
      !/^AWS4-HMAC-SHA256 Credential=\S+\/\d{8}\/[\w-]+\/monitoring\/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$/.test(
        String(req.headers.authorization ?? ''),
      )
    ) {
      return send(res, 403, {
        __type: 'MissingAuthenticationToken',
        message: 'missing SigV4 Authorization header',
      });
    }
    const operation = target.slice(TARGET_PREFIX.length);
    const body = JSON.parse(raw || '{}') as Record<string, unknown>;
    this.calls.push({ operation, body, headers: req.headers });
    if (this.stalled) return;

    const failure = this.failures.shift();
    if (failure) {
      res.setHeader('x-amzn-query-error', `${failure.type};${failure.status < 500 ? 'Sender' : 'Receiver'}`);
      return send(res, failure.status, { __type: failure.type, message: failure.message });
    }
    if (operation === 'GetMetricData') return send(res, 200, this.getMetricData(body));
    if (operation === 'ListMetrics') return send(res, 200, this.listMetrics(body));
    return send(res, 400, { __type: 'UnknownOperationException', message: operation });
  }

  private getMetricData(body: Record<string, unknown>) {
    const start = body.StartTime;
    const end = body.EndTime;
    if (typeof start !== 'number' || typeof end !== 'number') {
      throw new Error('StartTime/EndTime must be epoch seconds');
    }
    const queries = body.MetricDataQueries as {
      Id: string;
      MetricStat: {
        Metric: { Namespace: string; MetricName: string; Dimensions?: { Name: string; Value: string }[] };
        Period: number;
        Stat: string;
      };
    }[];
    const ascending = body.ScanBy === 'TimestampAscending';
    const offset =
      typeof body.NextToken === 'string' ? Number(Buffer.from(body.NextToken, 'base64url').toString()) : 0;
    let more = false;
    const results = queries.map((q) => {
      const { Metric, Period, Stat } = q.MetricStat;
      const dims = Object.fromEntries((Metric.Dimensions ?? []).map((d) => [d.Name, d.Value]));
      const metric = this.metrics.find((m) => sameMetric(m, Metric.Namespace, Metric.MetricName, dims));
      const all = aggregate(metric?.samples ?? [], start * 1000, end * 1000, Period * 1000, Stat);
      all.sort((a, b) => (ascending ? a.t - b.t : b.t - a.t));
      const page = all.slice(offset, offset + this.pageSize);
      if (offset + this.pageSize < all.length) more = true;
      return {
        Id: q.Id,
        Label: Metric.MetricName,
        Timestamps: page.map((p) => p.t / 1000),
        Values: page.map((p) => p.v),
        StatusCode: offset + this.pageSize < all.length ? 'PartialData' : 'Complete',
      };
    });
    return {
      MetricDataResults: results,
      Messages: [],
      ...(more ? { NextToken: Buffer.from(String(offset + this.pageSize)).toString('base64url') } : {}),
    };
  }

  private listMetrics(body: Record<string, unknown>) {
    const filters = (body.Dimensions as { Name: string; Value?: string }[] | undefined) ?? [];
    const metrics = this.metrics.filter(
      (m) =>
        (body.Namespace === undefined || m.namespace === body.Namespace) &&
        (body.MetricName === undefined || m.metricName === body.MetricName) &&
        filters.every(
          (f) => f.Name in m.dimensions && (f.Value === undefined || m.dimensions[f.Name] === f.Value),
        ),
    );
    return {
      Metrics: metrics.map((m) => ({
        Namespace: m.namespace,
        MetricName: m.metricName,
        Dimensions: Object.entries(m.dimensions).map(([Name, Value]) => ({ Name, Value })),
      })),
    };
  }
}

/** Per-period statistics over [start, end); periods without samples are left out, as AWS does. */
function aggregate(
  samples: { t: number; v: number }[],
  start: number,
  end: number,
  period: number,
  stat: string,
) {
  const buckets = new Map<number, number[]>();
  for (const s of samples) {
    if (s.t < start || s.t >= end) continue;
    const t = start + Math.floor((s.t - start) / period) * period;
    buckets.set(t, [...(buckets.get(t) ?? []), s.v]);
  }
  return [...buckets].map(([t, vs]) => {
    const sum = vs.reduce((a, b) => a + b, 0);
    const v =
      stat === 'Sum'
        ? sum
        : stat === 'Average'
          ? sum / vs.length
          : stat === 'Maximum'
            ? Math.max(...vs)
            : stat === 'Minimum'
              ? Math.min(...vs)
              : vs.length;
    return { t, v };
  });
}

function sameMetric(m: StoredMetric, namespace: string, name: string, dims: Record<string, string>): boolean {
  const a = Object.entries(m.dimensions).sort();
  const b = Object.entries(dims).sort();
  return (
    m.namespace === namespace &&
    m.metricName === name &&
    a.length === b.length &&
    a.every(([k, v], i) => b[i]?.[0] === k && b[i]?.[1] === v)
  );
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
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': crypto.randomUUID(),
  });
  res.end(text);
}
