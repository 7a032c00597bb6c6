// ClickHouse over HTTP with @clickhouse/client. Only JSONEachRow and no query parameters, so the
// same code runs against Debian's 18.16 and current servers; 64-bit integers arrive as strings.
import { randomUUID } from 'node:crypto';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { z } from 'zod';
import { toClickHouseError } from './errors.js';
import type { ClickHousePort, RunningQuery, SlowQuery } from './port.js';
import { runningQueriesSql, slowQueriesSql } from './sql.js';

export interface ClickHouseClientOptions {
  /** http(s)://[user:password@]host:8123[/database] */
  url: string;
  /** Client-side limit per request; the check's signal usually ends it sooner. */
  requestTimeoutMs?: number;
  now?: () => number;
}

const num = z.coerce.number().catch(0);
const text = z.string().catch('');
const SlowRow = z.object({
  query_id: text,
  query: text,
  query_duration_ms: num,
  memory_usage: num,
  event_time: text,
  user: text,
});
const ProcessRow = z.object({
  query_id: text,
  query: text,
  elapsed: num,
  memory_usage: num,
  read_rows: num,
  user: text,
});

const oneLine = (sql: string) => sql.replace(/\s+/g, ' ').trim();

export function createClickHouseClient(
  options: ClickHouseClientOptions,
): ClickHousePort & { close(): Promise<void> } {
  const now = options.now ?? Date.now;
  const client = createClient({
    url: options.url,
    request_timeout: options.requestTimeoutMs ?? 30_000,
    application: 'perfbot',
    // errors are thrown to us and logged by the diagnostics engine, without the client's noise
    log: { level: ClickHouseLogLevel.OFF },
  });

  async function rows(what: string, sql: string, signal: AbortSignal, queryId: string): Promise<unknown[]> {
    const started = now();
    try {
      signal.throwIfAborted();
      const rs = await client.query({
        query: sql,
        format: 'JSONEachRow',
        abort_signal: signal,
        query_id: queryId,
      });
      return await rs.json<unknown>();
    } catch (err) {
      throw toClickHouseError(err, what, signal, now() - started);
    }
  }

  return {
    async slowQueries({ minDurationMs, limit }, { signal }): Promise<SlowQuery[]> {
      const sql = slowQueriesSql(minDurationMs, limit);
      const raw = await rows('system.query_log', sql, signal, `perfbot-${randomUUID()}`);
      return raw.map((r) => {
        const row = SlowRow.parse(r);
        return {
          queryId: row.query_id,
          query: oneLine(row.query),
          durationMs: row.query_duration_ms,
          memoryBytes: row.memory_usage,
          eventTime: row.event_time,
          user: row.user,
        };
      });
    },
    async runningQueries({ signal }): Promise<RunningQuery[]> {
      const own = `perfbot-${randomUUID()}`;
      const raw = await rows('system.processes', runningQueriesSql(own), signal, own);
      return raw.map((r) => {
        const row = ProcessRow.parse(r);
        return {
          queryId: row.query_id,
          query: oneLine(row.query),
          elapsedSeconds: row.elapsed,
          memoryBytes: row.memory_usage,
          readRows: row.read_rows,
          user: row.user,
        };
      });
    },
    close: () => client.close(),
  };
}
