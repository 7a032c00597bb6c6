// Error mapping and result parsing of the Prometheus client, with the injected fetch answering
// the way Prometheus answers (its JSON envelope and status codes).
import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { createPrometheusClient } from '../../src/integrations/prometheus/client.js';
import { parseSampleValue } from '../../src/integrations/prometheus/schema.js';
import { freePort } from '../../src/redis/embedded.js';

const opts = () => ({ signal: AbortSignal.timeout(5000) });

function answering(status: number, body: unknown, seen: Request[] = []): typeof fetch {
  return async (input, init) => {
    seen.push(new Request(input, init));
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status });
  };
}

describe('createPrometheusClient', () => {
  it('POSTs the query as a form under the base URL path and parses a vector', async () => {
    const seen: Request[] = [];
    const client = createPrometheusClient({
      baseUrl: 'http://prom.example/prefix',
      fetch: answering(
        200,
        {
          status: 'success',
          data: { resultType: 'vector', result: [{ metric: { pod: 'a' }, value: [1700000000.5, '+Inf'] }] },
        },
        seen,
      ),
    });
    const r = await client.query('up{a="b"}', opts());
    expect(r).toEqual({ type: 'vector', samples: [{ labels: { pod: 'a' }, t: 1700000000500, v: Infinity }] });
    expect(seen[0]?.url).toBe('http://prom.example/prefix/api/v1/query');
    expect(seen[0]?.method).toBe('POST');
    expect(new URLSearchParams(await seen[0]?.text()).get('query')).toBe('up{a="b"}');
  });

  it('turns user:pass in the URL into basic auth', async () => {
    const seen: Request[] = [];
    const client = createPrometheusClient({
      baseUrl: 'http://bot:s%3Acret@prom.example',
      fetch: answering(200, { status: 'success', data: { resultType: 'scalar', result: [1, '2'] } }, seen),
    });
    await client.query('1', opts());
    expect(seen[0]?.url).toBe('http://prom.example/api/v1/query');
    expect(seen[0]?.headers.get('authorization')).toBe(
      `Basic ${Buffer.from('bot:s:cret').toString('base64')}`,
    );
  });

  it('sends range bounds in seconds', async () => {
    const seen: Request[] = [];
    const client = createPrometheusClient({
      baseUrl: 'http://prom.example',
      fetch: answering(
        200,
        {
          status: 'success',
          data: {
            resultType: 'matrix',
            result: [
              {
                metric: {},
                values: [
                  [10, '1'],
                  [20, 'NaN'],
                ],
              },
            ],
          },
        },
        seen,
      ),
    });
    const series = await client.queryRange(
      'x',
      { start: new Date(10_000), end: new Date(20_000), stepSeconds: 10 },
      opts(),
    );
    expect(series[0]?.points).toEqual([
      { t: 10_000, v: 1 },
      { t: 20_000, v: Number.NaN },
    ]);
    const form = new URLSearchParams(await seen[0]?.text());
    expect([form.get('start'), form.get('end'), form.get('step')]).toEqual(['10', '20', '10']);
  });

  it.each([
    [429, true],
    [503, true],
    [500, true],
    [400, false],
    [422, false],
  ])('maps HTTP %i to retryable=%s with the API error text', async (status, retryable) => {
    const client = createPrometheusClient({
      baseUrl: 'http://prom.example',
      fetch: answering(status, { status: 'error', errorType: 'execution', error: 'boom' }),
    });
    const err = await client.query('x', opts()).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: retryable ? ErrorCode.UpstreamRetryable : ErrorCode.Upstream,
      retryable,
      message: expect.stringContaining('execution: boom'),
    });
  });

  it('treats a non-JSON gateway page as an upstream error', async () => {
    const client = createPrometheusClient({
      baseUrl: 'http://prom.example',
      fetch: answering(502, '<html>bad gateway</html>'),
    });
    await expect(client.query('x', opts())).rejects.toMatchObject({
      retryable: true,
      message: expect.stringContaining('HTTP 502'),
    });
  });

  it('makes a refused connection retryable', async () => {
    const port = await freePort();
    const client = createPrometheusClient({ baseUrl: `http://127.0.0.1:${port}` });
    await expect(client.query('x', opts())).rejects.toMatchObject({ code: ErrorCode.UpstreamRetryable });
  });

  it('gives up with a timeout when the signal aborts mid-request', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((s) => sockets.add(s)); // accepts, never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const client = createPrometheusClient({
        baseUrl: `http://127.0.0.1:${(silent.address() as { port: number }).port}`,
      });
      await expect(client.query('x', { signal: AbortSignal.timeout(200) })).rejects.toMatchObject({
        code: ErrorCode.Timeout,
      });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('rejects malformed success bodies', async () => {
    const client = createPrometheusClient({
      baseUrl: 'http://prom.example',
      fetch: answering(200, { status: 'success', data: { resultType: 'vector', result: [{ nope: 1 }] } }),
    });
    await expect(client.query('x', opts())).rejects.toMatchObject({ code: ErrorCode.Upstream });
  });
});

describe('parseSampleValue', () => {
  it('reads Prometheus special floats', () => {
    expect(parseSampleValue('+Inf')).toBe(Infinity);
    expect(parseSampleValue('-Inf')).toBe(-Infinity);
    expect(parseSampleValue('NaN')).toBeNaN();
    expect(parseSampleValue('1e-3')).toBe(0.001);
  });
});
