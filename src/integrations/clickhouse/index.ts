// ClickHouse: slow queries of the day and running queries (CLICKHOUSE_URL).
import { clickhouseProcessesCheck, clickhouseSlowQueriesCheck } from './checks.js';

export { type ClickHouseClientOptions, createClickHouseClient } from './client.js';
export type { ClickHousePort, RunningQuery, SlowQuery } from './port.js';
export { sqlString, sqlUInt } from './sql.js';

export const clickhouseChecks = {
  'clickhouse.slow-queries': clickhouseSlowQueriesCheck,
  'clickhouse.processes': clickhouseProcessesCheck,
} as const;
