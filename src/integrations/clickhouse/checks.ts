// clickhouse.slow-queries and clickhouse.processes: the runbook's query_log and processes
// look-ups, with the statements themselves as evidence.
import type { CheckDefinition } from '../../diagnostics/types.js';
import type { ClickHousePort } from './port.js';

/** Characters of a statement shown in a report row / in the one-line summary. */
const ROW_CHARS = 200;
const SUMMARY_CHARS = 80;

export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

export const clickhouseSlowQueriesCheck: CheckDefinition<'clickhouse.slow-queries', ClickHousePort> = {
  kind: 'clickhouse.slow-queries',
  backend: 'clickhouse',
  async run(ctx, port) {
    const { minDurationMs, limit } = ctx.params;
    const slow = await port.slowQueries({ minDurationMs, limit }, { signal: ctx.signal });
    const slowest = slow[0];
    if (!slowest) {
      // Nothing over the bar is a finding (value 0), not missing data.
      return {
        value: 0,
        summary: `no queries over ${minDurationMs} ms today`,
        evidence: { counts: { slowQueries: 0 } },
      };
    }
    const count = slow.length === limit ? `top ${limit}` : String(slow.length);
    return {
      value: slowest.durationMs,
      summary: `${count} queries over ${minDurationMs} ms today; slowest ${slowest.durationMs} ms: ${truncate(slowest.query, SUMMARY_CHARS)}`,
      evidence: {
        rows: slow.map((q) => ({
          query: truncate(q.query, ROW_CHARS),
          duration_ms: q.durationMs,
          memory_usage: q.memoryBytes,
          event_time: q.eventTime,
          user: q.user,
        })),
        counts: { slowQueries: slow.length },
      },
    };
  },
};

export const clickhouseProcessesCheck: CheckDefinition<'clickhouse.processes', ClickHousePort> = {
  kind: 'clickhouse.processes',
  backend: 'clickhouse',
  async run(ctx, port) {
    const running = await port.runningQueries({ signal: ctx.signal });
    const longest = running[0];
    if (!longest) return { value: 0, summary: 'no queries running', evidence: { counts: { running: 0 } } };
    return {
      value: running.length,
      summary: `${running.length} running; longest ${longest.elapsedSeconds.toFixed(1)} s: ${truncate(longest.query, SUMMARY_CHARS)}`,
      evidence: {
        rows: running.slice(0, ctx.params.limit).map((q) => ({
          query: truncate(q.query, ROW_CHARS),
          elapsed_s: Math.round(q.elapsedSeconds * 1000) / 1000,
          memory_usage: q.memoryBytes,
          read_rows: q.readRows,
          user: q.user,
          query_id: q.queryId,
        })),
        counts: { running: running.length },
      },
    };
  },
};
