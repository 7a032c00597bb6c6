// The narrow port perfbot needs from ClickHouse: the runbook's two questions (which queries were
// slow today, what runs now), answered in plain types so checks and fakes never see SQL.

export interface ClickHouseCallOptions {
  /** Every call gives up when this aborts (check timeout, run deadline). */
  signal: AbortSignal;
}

export interface SlowQuery {
  queryId: string;
  /** The statement, whitespace collapsed, cut to a few hundred characters by the adapter. */
  query: string;
  durationMs: number;
  memoryBytes: number;
  /** Server-local "YYYY-MM-DD hh:mm:ss". */
  eventTime: string;
  user: string;
}

export interface RunningQuery {
  queryId: string;
  query: string;
  elapsedSeconds: number;
  memoryBytes: number;
  readRows: number;
  user: string;
}

export interface ClickHousePort {
  /** Finished queries of today slower than `minDurationMs`, slowest first, at most `limit`. */
  slowQueries(
    request: { minDurationMs: number; limit: number },
    options: ClickHouseCallOptions,
  ): Promise<SlowQuery[]>;
  /** Queries running now (not counting this call's own), longest-running first. */
  runningQueries(options: ClickHouseCallOptions): Promise<RunningQuery[]>;
}
