// The lifecycle pieces as a process builds them from Config: silences go to the Alertmanager
// that sent the alerts (externalURL) when ALERTMANAGER_URL is empty, and the running watcher
// notices the silence ending and puts it on the outbox once. Also the access gate from a file.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createAccessGate } from '../../src/access/gate.js';
import type { AlertBatch } from '../../src/alerts/schema.js';
import { ConfigError } from '../../src/errors.js';
import { createIncidentServices } from '../../src/incident-services.js';
import { IncidentStore } from '../../src/incidents/store.js';
import { silentLogger } from '../../src/log.js';
import { testRedis } from '../support/redis.js';

const clients: Redis[] = [];
afterAll(() => {
  for (const c of clients) c.disconnect();
});

const batch: AlertBatch = {
  source: 'alertmanager',
  group: '{}:{alertname="X"}',
  meta: { externalURL: 'http://am-sender:9093' },
  alerts: [
    {
      source: 'alertmanager',
      name: 'X',
      status: 'firing',
      labels: { alertname: 'X', job: 'j', severity: 'critical' },
      annotations: {},
      startsAt: '2024-05-03T12:00:00.000Z',
      fingerprint: 'x1',
    },
  ],
};

describe('createIncidentServices', () => {
  it('silences on the sending Alertmanager; the watcher notices the end once', async () => {
    const { redis, prefix } = testRedis();
    clients.push(redis);
    const incidents = new IncidentStore({ redis, prefix });
    const [id] = (await incidents.apply(batch, [{}])).incidents as [string];
    let state = 'active';
    const seen: string[] = [];
    const fetch = (async (input: URL | string, init?: RequestInit) => {
      seen.push(`${init?.method ?? 'GET'} ${String(input)}`);
      if (init?.method === 'POST') return Response.json({ silenceID: 's-1' });
      return Response.json({ id: 's-1', status: { state }, endsAt: '2024-05-03T13:00:00.000Z' });
    }) as typeof globalThis.fetch;
    const services = createIncidentServices({
      config: { alertmanagerUrls: [] },
      redis,
      incidents,
      log: silentLogger,
      prefix,
      fetch,
    });
    const out = await services.silences.silence(id, { user: 'U0ALICE', durationMs: 3_600_000 });
    expect(out).toMatchObject({
      outcome: 'silenced',
      silences: [{ url: 'http://am-sender:9093', id: 's-1' }],
    });
    expect(seen[0]).toBe('POST http://am-sender:9093/api/v2/silences');

    const stop = services.watchSilences(30);
    try {
      state = 'expired';
      const deadline = Date.now() + 10_000;
      let types: (string | undefined)[] = [];
      while (Date.now() < deadline) {
        types = (await redis.xrange(`${prefix}incident-events`, '-', '+')).map(([, f]) => f[1]);
        if (types.includes('silence-ended')) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      // Let a few more ticks pass: still one.
      await new Promise((r) => setTimeout(r, 200));
      types = (await redis.xrange(`${prefix}incident-events`, '-', '+')).map(([, f]) => f[1]);
      expect(types).toEqual(['opened', 'silenced', 'silence-ended']);
      expect(await services.silences.list(id)).toMatchObject([{ state: 'ended', reason: 'deleted' }]);
    } finally {
      await stop();
    }
  });
});

describe('createAccessGate', () => {
  it('loads PERFBOT_ACCESS; a bad file stops the start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'perfbot-access-'));
    const good = join(dir, 'good.yml');
    await writeFile(good, 'commands:\n  silence: { who: [U0LEAD] }\n');
    const gate = await createAccessGate(
      { accessFile: good, approvers: ['U0APPROVER'] },
      { log: silentLogger },
    );
    expect(await gate.check({ command: 'silence', user: 'U0APPROVER', channel: 'C1' })).toMatchObject({
      allowed: false,
      whoMay: ['U0LEAD'],
    });
    const bad = join(dir, 'bad.yml');
    await writeFile(bad, 'commands:\n  silence: { who: [] }\n');
    await expect(
      createAccessGate({ accessFile: bad, approvers: [] }, { log: silentLogger }),
    ).rejects.toBeInstanceOf(ConfigError);
    await expect(
      createAccessGate({ accessFile: join(dir, 'missing.yml'), approvers: [] }, { log: silentLogger }),
    ).rejects.toThrow(/cannot read/);
  });
});
