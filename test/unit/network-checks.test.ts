import { describe, expect, it } from 'vitest';
import type { CheckContext } from '../../src/diagnostics/types.js';
import { ErrorCode } from '../../src/errors.js';
import { describeDnsFailure, median } from '../../src/integrations/network/checks.js';
import { createNetworkClient } from '../../src/integrations/network/client.js';
import { networkChecks } from '../../src/integrations/network/index.js';
import type { DnsAnswer, NetworkPort, TcpProbe } from '../../src/integrations/network/port.js';
import { silentLogger } from '../../src/log.js';
import { CHECK_PARAMS } from '../../src/playbooks/kinds.js';

class FakeNetworkPort implements NetworkPort {
  connects: string[] = [];
  constructor(
    private dns: DnsAnswer,
    private probes: TcpProbe[],
  ) {}
  async lookup() {
    return this.dns;
  }
  async tcpConnect(address: string, port: number) {
    this.connects.push(`${address}:${port}`);
    const next = this.probes.shift();
    if (!next) throw new Error('no more probes');
    return next;
  }
}

const ctx = (params: unknown): CheckContext<'network.tcp-connect'> => ({
  params: CHECK_PARAMS['network.tcp-connect'].parse(params),
  namespace: 'ns',
  target: { namespace: 'ns', selector: {}, workloads: [] },
  signal: new AbortController().signal,
  now: () => new Date(0),
  log: silentLogger,
});

const resolved: DnsAnswer = { ok: true, ms: 1, addresses: [{ address: '10.0.0.7', family: 4 }] };

describe('median', () => {
  it('takes the middle value, or the mean of the two middles', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeUndefined();
  });
});

describe('network.tcp-connect', () => {
  it('connects to the resolved address once per attempt', async () => {
    const port = new FakeNetworkPort(resolved, [
      { ok: true, ms: 5 },
      { ok: true, ms: 1 },
      { ok: true, ms: 3 },
    ]);
    const m = await networkChecks['network.tcp-connect'].run(ctx({ host: 'clickhouse', port: 8123 }), port);
    expect(port.connects).toEqual(['10.0.0.7:8123', '10.0.0.7:8123', '10.0.0.7:8123']);
    expect(m.value).toBe(3);
    expect(m.status).toBeUndefined();
    expect(m.summary).toBe(
      'connected to clickhouse:8123 (10.0.0.7) in 3.00 ms (median of 3; 1.00 ms–5.00 ms)',
    );
  });

  it('is critical when some attempts fail, keeping the median of the rest', async () => {
    const port = new FakeNetworkPort(resolved, [
      { ok: true, ms: 2 },
      { ok: false, ms: 3000, code: 'ETIMEDOUT', error: 'connect ETIMEDOUT 10.0.0.7:8123 after 3000 ms' },
      { ok: true, ms: 4 },
    ]);
    const m = await networkChecks['network.tcp-connect'].run(ctx({ host: 'clickhouse', port: 8123 }), port);
    expect(m.status).toBe('critical');
    expect(m.value).toBe(3);
    expect(m.summary).toBe('1 of 3 connections to clickhouse:8123 (10.0.0.7) failed: ETIMEDOUT');
    expect(m.evidence?.rows?.[1]).toMatchObject({ ok: false, error: expect.stringMatching(/^ETIMEDOUT: /) });
  });
});

describe('describeDnsFailure', () => {
  it('names NXDOMAIN and temporary failures', () => {
    expect(describeDnsFailure({ ok: false, ms: 1, code: 'ENOTFOUND', error: 'x' })).toBe(
      'NXDOMAIN (no such name)',
    );
    expect(describeDnsFailure({ ok: false, ms: 1, code: 'EAI_AGAIN', error: 'x' })).toMatch(/temporary/);
  });
});

describe('createNetworkClient', () => {
  it('leaves a hanging resolver when the signal aborts', async () => {
    const client = createNetworkClient({ lookup: () => new Promise(() => {}) });
    await expect(client.lookup('slow.example', { signal: AbortSignal.timeout(100) })).rejects.toMatchObject({
      code: ErrorCode.Timeout,
    });
  });

  it('times the lookup with the injected clock', async () => {
    let t = 100;
    const client = createNetworkClient({
      now: () => (t += 2.5),
      lookup: async () => [{ address: '::1', family: 6 }],
    });
    const answer = await client.lookup('svc', { signal: new AbortController().signal });
    expect(answer).toEqual({ ok: true, ms: 2.5, addresses: [{ address: '::1', family: 6 }] });
  });
});
