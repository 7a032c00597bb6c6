// The Alertmanager client's wire behaviour (paths, auth, errors) with an injected fetch, and the
// matchers a silence gets for an incident.
import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/errors.js';
import { describeMatchers, escapeRegex, silenceMatchers } from '../../src/incidents/silence-matchers.js';
import { createAlertmanagerClient } from '../../src/integrations/alertmanager/client.js';

type Call = { method: string; url: string; headers: Record<string, string>; body?: string };

function fakeFetch(answer: (c: Call) => { status: number; body?: unknown }) {
  const calls: Call[] = [];
  const fetch = (async (input: URL | string, init?: RequestInit) => {
    const call: Call = {
      method: init?.method ?? 'GET',
      url: String(input),
      headers: (init?.headers ?? {}) as Record<string, string>,
      ...(typeof init?.body === 'string' ? { body: init.body } : {}),
    };
    calls.push(call);
    const a = answer(call);
    return new Response(a.body === undefined ? '' : JSON.stringify(a.body), { status: a.status });
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

const silence = {
  matchers: [{ name: 'alertname', value: 'X', isRegex: false, isEqual: true }],
  startsAt: '2024-05-03T12:00:00.000Z',
  endsAt: '2024-05-03T13:00:00.000Z',
  createdBy: 'U0ALICE',
  comment: 'perfbot inc-1',
};

describe('Alertmanager client', () => {
  it('posts to api/v2 under a path prefix, with basic auth from the URL, and keeps no credentials', async () => {
    const f = fakeFetch(() => ({ status: 200, body: { silenceID: 'abc-123' } }));
    const am = createAlertmanagerClient({
      baseUrl: 'https://bot:s%40cret@am.example/alertmanager',
      fetch: f.fetch,
    });
    expect(await am.createSilence(silence)).toBe('abc-123');
    expect(am.url).toBe('https://am.example/alertmanager');
    expect(f.calls[0]).toMatchObject({
      method: 'POST',
      url: 'https://am.example/alertmanager/api/v2/silences',
    });
    expect(f.calls[0]?.headers.authorization).toBe(`Basic ${Buffer.from('bot:s@cret').toString('base64')}`);
    expect(JSON.parse(f.calls[0]?.body ?? '{}')).toEqual(silence);
  });

  it('a refused silence is a non-retryable error; a 503 a retryable one', async () => {
    const refused = createAlertmanagerClient({
      baseUrl: 'http://am:9093',
      fetch: fakeFetch(() => ({
        status: 400,
        body: 'silence invalid: at least one matcher must not match the empty string',
      })).fetch,
    });
    const err = await refused.createSilence(silence).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).retryable).toBe(false);
    expect((err as Error).message).toContain('matcher must not match the empty string');
    const down = createAlertmanagerClient({
      baseUrl: 'http://am:9093',
      fetch: fakeFetch(() => ({ status: 503 })).fetch,
    });
    expect(((await down.createSilence(silence).catch((e: unknown) => e)) as UpstreamError).retryable).toBe(
      true,
    );
  });

  it('reads silences leniently; 404 is "unknown"; expiring an ended silence is not a failure', async () => {
    const f = fakeFetch((c) => {
      if (c.method === 'GET' && c.url.endsWith('/api/v2/silence/gone')) return { status: 404 };
      if (c.method === 'GET')
        return { status: 200, body: { id: 'old', status: { state: 'expired' }, newField: 1 } };
      return { status: 500, body: 'silence old already expired' };
    });
    const am = createAlertmanagerClient({ baseUrl: 'http://am:9093', fetch: f.fetch });
    expect(await am.getSilence('gone')).toBeUndefined();
    expect(await am.getSilence('old')).toMatchObject({
      id: 'old',
      status: { state: 'expired' },
      matchers: [],
    });
    expect(await am.expireSilence('old')).toBe(false);
    // An id that could not be a silence ID never reaches a URL.
    expect(await am.getSilence('../../x')).toBeUndefined();
    expect(f.calls.map((c) => `${c.method} ${new URL(c.url).pathname}`)).toEqual([
      'GET /api/v2/silence/gone',
      'GET /api/v2/silence/old',
      'DELETE /api/v2/silence/old',
      'GET /api/v2/silence/old',
    ]);
  });
});

describe('silence matchers', () => {
  const alert = (name: string, labels: Record<string, string>) => ({
    name,
    labels: { alertname: name, ...labels },
  });

  it('the labels every alert shares, never severity; several names as an escaped regex', () => {
    const m = silenceMatchers([
      alert('Connector.Slow', { namespace: 'c', severity: 'warning', pod: 'a', empty: '' }),
      alert('ConnectorS3(Slow)', { namespace: 'c', severity: 'critical', pod: 'b', empty: '' }),
    ]);
    expect(m).toEqual([
      { name: 'alertname', value: 'Connector\\.Slow|ConnectorS3\\(Slow\\)', isRegex: true, isEqual: true },
      { name: 'namespace', value: 'c', isRegex: false, isEqual: true },
    ]);
    expect(describeMatchers(m)).toBe(
      'alertname=~"Connector\\\\.Slow|ConnectorS3\\\\(Slow\\\\)", namespace="c"',
    );
    expect(escapeRegex('a|b.*')).toBe('a\\|b\\.\\*');
  });

  it('one alert: all its labels but severity', () => {
    expect(silenceMatchers([alert('X', { pod: 'p', severity: 'critical' })]).map((x) => x.name)).toEqual([
      'alertname',
      'pod',
    ]);
    expect(silenceMatchers([])).toEqual([]);
  });
});
