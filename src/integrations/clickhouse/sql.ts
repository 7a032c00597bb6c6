// SQL for the ClickHouse port. Debian's ClickHouse 18.16 predates query parameters, so values
// are put into the text: strings only through sqlString(), numbers only after an integer check.
import { InvalidInputError } from '../../errors.js';

/** Characters of the query text fetched; enough to recognise a statement, not a 256 KB INSERT. */
export const QUERY_TEXT_CHARS = 500;
/** system.processes is bounded by max_concurrent_queries (100 by default); this is a backstop. */
export const MAX_PROCESSES = 1000;
/** query_log `type` 2 = QueryFinish (a UInt8 in 18.16, Enum8 'QueryFinish' = 2 later). */
const QUERY_FINISH = 2;

/** A ClickHouse single-quoted string literal: backslash and quote escaped, NUL spelled \0. */
export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\0/g, '\\0')}'`;
}

/** A non-negative integer for the SQL text; anything else is refused, never coerced. */
export function sqlUInt(value: number, field: string): string {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidInputError(field, `expected a non-negative integer, got ${String(value)}`);
  }
  return String(value);
}

export function slowQueriesSql(minDurationMs: number, limit: number): string {
  // toUInt8(type) reads the same on 18.16 (UInt8) and on versions where type is an Enum8.
  return `SELECT query_id, substringUTF8(query, 1, ${QUERY_TEXT_CHARS}) AS query, query_duration_ms,
  memory_usage, toString(event_time) AS event_time, user
FROM system.query_log
WHERE event_date = today() AND toUInt8(type) = ${QUERY_FINISH} AND is_initial_query = 1
  AND query_duration_ms > ${sqlUInt(minDurationMs, 'minDurationMs')}
ORDER BY query_duration_ms DESC
LIMIT ${sqlUInt(limit, 'limit')}`;
}

/** `ownQueryId` is the id this query runs under, so it does not count itself. */
export function runningQueriesSql(ownQueryId: string): string {
  return `SELECT query_id, substringUTF8(query, 1, ${QUERY_TEXT_CHARS}) AS query, elapsed, memory_usage,
  read_rows, user
FROM system.processes
WHERE query_id != ${sqlString(ownQueryId)}
ORDER BY elapsed DESC
LIMIT ${MAX_PROCESSES}`;
}
