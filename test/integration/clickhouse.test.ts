// clickhouse.slow-queries and clickhouse.processes against a real clickhouse-server (18.16 here).
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckContext, Measurement } from '../../src/diagnostics/types.js';
import { ErrorCode } from '../../src/errors.js';
import {
  type ClickHousePort,
  clickhouseChecks,
  createClickHouseClient,
  sqlString,
} from '../../src/integrations/clickhouse/index.js';
import { silentLogger } from '../../src/log.js';
import { CHECK_PARAMS, type CheckKind } from '../../src/playbooks/kinds.js';
import { freePort } from '../../src/redis/embedded.js';
import { skipWithout, startClickHouse, type TestServer } from '../support/servers.js';

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

async function until(what: string, probe: () => Promise<Measurement>, ok: (m: Measurement) => boolean) {
  let last: Measurement | undefined;
  for (let i = 0; i < 100; i++) {
    last = await probe();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: last answer ${JSON.stringify(last)}`);
}

describe.skipIf(skipWithout('clickhouse-server'))(
  'clickhouse checks against a real clickhouse-server',
  () => {
    let server: TestServer;
    let port: ClickHousePort & { close(): Promise<void> };
    let raw: ClickHouseClient;

    beforeAll(async () => {
      server = await startClickHouse();
      port = createClickHouseClient({ url: server.url });
      raw = createClient({ url: server.url, log: { level: ClickHouseLogLevel.OFF } });
    });

    afterAll(async () => {
      await raw?.close();
      await port?.close();
      await server?.stop();
    });

    it('sqlString round-trips hostile text through the real SQL parser', async () => {
      const hostile = `it's a \\' trap'); DROP TABLE x; --\n\t\\\\ 'end`;
      const rs = await raw.query({ query: `SELECT ${sqlString(hostile)} AS s`, format: 'JSONEachRow' });
      expect(await rs.json()).toEqual([{ s: hostile }]);
    });

    it('finds a really slow query in system.query_log, slowest first', async () => {
      await (
        await raw.query({ query: 'SELECT sleep(1.5) AS perfbot_slow_marker', format: 'JSONEachRow' })
      ).json();
      await (
        await raw.query({ query: 'SELECT sleep(1.2) AS perfbot_less_slow', format: 'JSONEachRow' })
      ).json();
      await (await raw.query({ query: 'SELECT 1 AS perfbot_fast', format: 'JSONEachRow' })).json();
      const check = clickhouseChecks['clickhouse.slow-queries'];
      const m = await until(
        'slow queries logged',
        () => check.run(ctx('clickhouse.slow-queries', { minDurationMs: 1000 }), port),
        (x) => (x.evidence?.rows?.length ?? 0) >= 2,
      );
      expect(m.value).toBeGreaterThanOrEqual(1500);
      expect(m.value).toBeLessThan(3000);
      const rows = m.evidence?.rows ?? [];
      expect(String(rows[0]?.query)).toContain('perfbot_slow_marker');
      expect(String(rows[1]?.query)).toContain('perfbot_less_slow');
      expect(rows.some((r) => String(r.query).includes('perfbot_fast'))).toBe(false);
      expect(typeof rows[0]?.duration_ms).toBe('number');
      expect(rows[0]?.memory_usage).toEqual(expect.any(Number));
      expect(rows[0]?.event_time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      expect(m.summary).toContain('perfbot_slow_marker');
      expect(m.evidence?.counts).toEqual({ slowQueries: 2 });

      const top1 = await check.run(ctx('clickhouse.slow-queries', { minDurationMs: 1000, limit: 1 }), port);
      expect(top1.evidence?.rows).toHaveLength(1);
      expect(top1.summary).toMatch(/^top 1 queries/);
    });

    it('reports value 0 when nothing is slower than the bar', async () => {
      const m = await clickhouseChecks['clickhouse.slow-queries'].run(
        ctx('clickhouse.slow-queries', { minDurationMs: 60_000 }),
        port,
      );
      expect(m.value).toBe(0);
      expect(m.summary).toBe('no queries over 60000 ms today');
    });

    it('counts a query running right now, but not its own look-up', async () => {
      const check = clickhouseChecks['clickhouse.processes'];
      const idle = await check.run(ctx('clickhouse.processes', {}), port);
      expect(idle.value).toBe(0);
      expect(idle.summary).toBe('no queries running');

      const busy = raw
        .query({
          query: 'SELECT sleep(3) AS perfbot_running_marker',
          format: 'JSONEachRow',
          query_id: 'perfbot-test-running',
        })
        .then((rs) => rs.json());
      try {
        const m = await until(
          'running query visible',
          () => check.run(ctx('clickhouse.processes', {}), port),
          (x) => x.value === 1,
        );
        const row = m.evidence?.rows?.[0];
        expect(row?.query_id).toBe('perfbot-test-running');
        expect(String(row?.query)).toContain('perfbot_running_marker');
        expect(row?.elapsed_s).toEqual(expect.any(Number));
        expect(m.summary).toMatch(/^1 running; longest \d+\.\d s: SELECT sleep\(3\)/);
      } finally {
        await busy;
      }
    });

    it('honours the check signal: an aborted look-up ends with a timeout, not a hang', async () => {
      const controller = new AbortController();
      controller.abort();
      await expect(
        clickhouseChecks['clickhouse.processes'].run(
          ctx('clickhouse.processes', {}, controller.signal),
          port,
        ),
      ).rejects.toMatchObject({ code: ErrorCode.Timeout });
    });

    it('makes an unreachable server a retryable upstream error', async () => {
      const dead = createClickHouseClient({ url: `http://127.0.0.1:${await freePort()}` });
      try {
        await expect(dead.runningQueries({ signal: AbortSignal.timeout(5000) })).rejects.toMatchObject({
          code: ErrorCode.UpstreamRetryable,
        });
      } finally {
        await dead.close();
      }
    });
  },
);
