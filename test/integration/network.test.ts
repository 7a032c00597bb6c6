// network.tcp-connect and network.dns with real sockets and the system resolver.
import { lookup } from 'node:dns/promises';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckContext } from '../../src/diagnostics/types.js';
import { ErrorCode } from '../../src/errors.js';
import { createNetworkClient, networkChecks } from '../../src/integrations/network/index.js';
import { silentLogger } from '../../src/log.js';
import { CHECK_PARAMS, type CheckKind } from '../../src/playbooks/kinds.js';
import { freePort } from '../../src/redis/embedded.js';

function ctx<K extends CheckKind>(
  kind: K,
  params: unknown,
  signal = AbortSignal.timeout(10_000),
): CheckContext<K> {
  return {
    params: CHECK_PARAMS[kind].parse(params) as CheckContext<K>['params'],
    namespace: 'data-processing',
    target: { namespace: 'data-processing', selector: {}, workloads: [] },
    signal,
    now: () => new Date(),
    log: silentLogger,
  };
}

describe('network checks against real sockets', () => {
  const port = createNetworkClient();
  let server: Server;
  let listening: number;
  let localhostAddress: string;
  let accepted = 0;

  beforeAll(async () => {
    localhostAddress = (await lookup('localhost')).address;
    server = createServer((socket) => {
      accepted += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, localhostAddress, resolve));
    listening = (server.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('tcp-connect: times each attempt against a listening socket and reports the median', async () => {
    const before = accepted;
    const m = await networkChecks['network.tcp-connect'].run(
      ctx('network.tcp-connect', { host: 'localhost', port: listening, attempts: 5 }),
      port,
    );
    expect(m.status).toBeUndefined();
    const rows = m.evidence?.rows ?? [];
    expect(rows).toHaveLength(5);
    expect(rows.every((r) => r.ok === true && typeof r.ms === 'number' && r.error === null)).toBe(true);
    const sorted = rows.map((r) => r.ms as number).sort((a, b) => a - b);
    expect(m.value).toBe(sorted[2]);
    expect(m.evidence?.counts).toEqual({ attempts: 5, failures: 0 });
    expect(m.summary).toContain(`connected to localhost:${listening} (${localhostAddress})`);
    // the server's accept callbacks may trail the client's connect events a little
    for (let i = 0; i < 100 && accepted - before < 5; i++) await new Promise((r) => setTimeout(r, 20));
    expect(accepted - before).toBe(5);
  });

  it('tcp-connect: a closed port is critical with the OS error', async () => {
    const closed = await freePort();
    const m = await networkChecks['network.tcp-connect'].run(
      ctx('network.tcp-connect', { host: '127.0.0.1', port: closed }),
      port,
    );
    expect(m.status).toBe('critical');
    expect(m.value).toBeUndefined();
    expect(m.summary).toBe(`3 of 3 connections to 127.0.0.1:${closed} failed: ECONNREFUSED`);
    expect(m.evidence?.rows?.[0]).toMatchObject({
      ok: false,
      error: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('tcp-connect: an unresolvable host is critical before any connection', async () => {
    const m = await networkChecks['network.tcp-connect'].run(
      ctx('network.tcp-connect', { host: 'no-such-host.invalid', port: 80 }),
      port,
    );
    expect(m.status).toBe('critical');
    expect(m.summary).toBe('cannot resolve no-such-host.invalid: NXDOMAIN (no such name)');
  });

  it('dns: localhost resolves, with time and addresses as evidence', async () => {
    const m = await networkChecks['network.dns'].run(ctx('network.dns', { host: 'localhost' }), port);
    expect(m.status).toBeUndefined();
    expect(m.value).toEqual(expect.any(Number));
    expect(m.evidence?.samples).toContain(localhostAddress);
    expect(m.evidence?.rows?.[0]).toMatchObject({
      address: expect.any(String),
      family: expect.stringMatching(/^IPv[46]$/),
    });
    expect(m.summary).toMatch(/^localhost resolved in [\d.]+ ms to /);
  });

  it('dns: NXDOMAIN is critical', async () => {
    const m = await networkChecks['network.dns'].run(
      ctx('network.dns', { host: 'no-such-host.invalid' }),
      port,
    );
    expect(m.status).toBe('critical');
    expect(m.value).toBeUndefined();
    expect(m.summary).toBe('cannot resolve no-such-host.invalid: NXDOMAIN (no such name)');
    expect(m.evidence?.rows?.[0]).toMatchObject({ host: 'no-such-host.invalid', code: 'ENOTFOUND' });
  });

  it('stops at an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      networkChecks['network.tcp-connect'].run(
        ctx('network.tcp-connect', { host: '127.0.0.1', port: listening }, controller.signal),
        port,
      ),
    ).rejects.toMatchObject({ code: ErrorCode.Timeout });
  });
});
