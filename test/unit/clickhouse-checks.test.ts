// The ClickHouse checks' reading of port answers, with a hand-written fake port.
import { describe, expect, it } from 'vitest';
import type { CheckContext } from '../../src/diagnostics/types.js';
import { clickhouseChecks } from '../../src/integrations/clickhouse/index.js';
import type { ClickHousePort, RunningQuery, SlowQuery } from '../../src/integrations/clickhouse/port.js';
import { silentLogger } from '../../src/log.js';
import { CHECK_PARAMS, type CheckKind } from '../../src/playbooks/kinds.js';

class FakeClickHousePort implements ClickHousePort {
  requests: { minDurationMs: number; limit: number }[] = [];
  constructor(
    private slow: SlowQuery[] = [],
    private running: RunningQuery[] = [],
  ) {}
  async slowQueries(request: { minDurationMs: number; limit: number }) {
    this.requests.push(request);
    return this.slow.slice(0, request.limit);
  }
  async runningQueries() {
    return this.running;
  }
}

function ctx<K extends CheckKind>(kind: K, params: unknown): CheckContext<K> {
  return {
    params: CHECK_PARAMS[kind].parse(params) as CheckContext<K>['params'],
    namespace: 'ns',
    target: { namespace: 'ns', selector: {}, workloads: [] },
    signal: new AbortController().signal,
    now: () => new Date(0),
    log: silentLogger,
  };
}

const slow = (query: string, durationMs: number): SlowQuery => ({
  queryId: `q${durationMs}`,
  query,
  durationMs,
  memoryBytes: 1024,
  eventTime: '2024-05-01 10:00:00',
  user: 'default',
});

describe('clickhouse.slow-queries', () => {
  it('passes the playbook parameters and truncates long statements in rows', async () => {
    const long = `SELECT ${'x, '.repeat(200)}1`;
    const port = new FakeClickHousePort([slow(long, 4200), slow('SELECT 2', 1800)]);
    const m = await clickhouseChecks['clickhouse.slow-queries'].run(
      ctx('clickhouse.slow-queries', { minDurationMs: 1500, limit: 5 }),
      port,
    );
    expect(port.requests).toEqual([{ minDurationMs: 1500, limit: 5 }]);
    expect(m.value).toBe(4200);
    const first = String(m.evidence?.rows?.[0]?.query);
    expect([...first]).toHaveLength(200);
    expect(first.endsWith('…')).toBe(true);
    expect(m.summary?.startsWith('2 queries over 1500 ms today; slowest 4200 ms: SELECT x, ')).toBe(true);
    expect(m.evidence?.rows?.[1]).toEqual({
      query: 'SELECT 2',
      duration_ms: 1800,
      memory_usage: 1024,
      event_time: '2024-05-01 10:00:00',
      user: 'default',
    });
  });

  it('defaults to 1000 ms and 10 rows', async () => {
    const port = new FakeClickHousePort();
    await clickhouseChecks['clickhouse.slow-queries'].run(ctx('clickhouse.slow-queries', {}), port);
    expect(port.requests).toEqual([{ minDurationMs: 1000, limit: 10 }]);
  });
});

describe('clickhouse.processes', () => {
  it('counts all running queries but lists only `limit` rows', async () => {
    const running = Array.from({ length: 5 }, (_, i) => ({
      queryId: `q${i}`,
      query: `SELECT ${i}`,
      elapsedSeconds: 10 - i + 0.12345,
      memoryBytes: 0,
      readRows: i,
      user: 'default',
    }));
    const m = await clickhouseChecks['clickhouse.processes'].run(
      ctx('clickhouse.processes', { limit: 2 }),
      new FakeClickHousePort([], running),
    );
    expect(m.value).toBe(5);
    expect(m.evidence?.rows?.map((r) => r.query_id)).toEqual(['q0', 'q1']);
    expect(m.evidence?.rows?.[0]?.elapsed_s).toBe(10.123);
    expect(m.summary).toBe('5 running; longest 10.1 s: SELECT 0');
  });
});
