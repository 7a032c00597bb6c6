import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, TimeoutError } from '../../src/errors.js';
import { createClickHouseClient } from '../../src/integrations/clickhouse/client.js';
import { toClickHouseError } from '../../src/integrations/clickhouse/errors.js';
import {
  runningQueriesSql,
  slowQueriesSql,
  sqlString,
  sqlUInt,
} from '../../src/integrations/clickhouse/sql.js';

const live = () => new AbortController().signal;

describe('sqlString', () => {
  it('quotes and escapes backslash, single quote and NUL', () => {
    expect(sqlString('plain')).toBe("'plain'");
    expect(sqlString("it's")).toBe("'it\\'s'");
    expect(sqlString('a\\b')).toBe("'a\\\\b'");
    expect(sqlString("\\'")).toBe("'\\\\\\''");
    expect(sqlString('a\0b')).toBe("'a\\0b'");
  });

  it('never leaves an unescaped quote that would end the literal', () => {
    for (const s of ["'", "\\'", "''", "x\\\\'; DROP TABLE t; --", "\\\\\\'"]) {
      const body = sqlString(s).slice(1, -1);
      expect(body.replace(/\\./g, '')).not.toContain("'");
    }
  });
});

describe('sqlUInt and the query builders', () => {
  it('accepts non-negative safe integers only', () => {
    expect(sqlUInt(0, 'n')).toBe('0');
    expect(sqlUInt(1500, 'n')).toBe('1500');
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60]) {
      expect(() => sqlUInt(bad, 'limit')).toThrow(expect.objectContaining({ code: ErrorCode.InvalidInput }));
    }
  });

  it('puts validated numbers into the slow-queries SQL', () => {
    const sql = slowQueriesSql(1000, 10);
    expect(sql).toContain('query_duration_ms > 1000');
    expect(sql).toContain('LIMIT 10');
    expect(sql).toContain('event_date = today()');
    expect(sql).toContain('toUInt8(type) = 2');
    expect(() => slowQueriesSql(1000, Number.NaN)).toThrow(expect.objectContaining({ field: 'limit' }));
  });

  it('excludes its own query id, escaped', () => {
    expect(runningQueriesSql("perfbot-'x")).toContain("WHERE query_id != 'perfbot-\\'x'");
  });
});

describe('toClickHouseError', () => {
  it('reads the code of an 18.16 exception and does not retry a query error', () => {
    const err = toClickHouseError(
      new Error(
        'Code: 47, e.displayText() = DB::Exception: Unknown identifier: nosuch, e.what() = DB::Exception\n',
      ),
      'system.query_log',
      live(),
      3,
    );
    expect(err).toMatchObject({ code: ErrorCode.Upstream, retryable: false });
    expect(err.message).toBe(
      'clickhouse: system.query_log: Code: 47, e.displayText() = DB::Exception: Unknown identifier: nosuch, e.what() = DB::Exception',
    );
  });

  it('retries transient server codes (too many simultaneous queries) in the newer format too', () => {
    const err = toClickHouseError(
      new Error('Code: 202. DB::Exception: Too many simultaneous queries'),
      'q',
      live(),
      0,
    );
    expect(err).toMatchObject({ code: ErrorCode.UpstreamRetryable, retryable: true });
  });

  it('retries connection failures', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });
    expect(toClickHouseError(refused, 'q', live(), 0)).toMatchObject({ retryable: true });
  });

  it('prefers the abort: a timed-out check says so', () => {
    const c = new AbortController();
    c.abort();
    const err = toClickHouseError(
      new Error('The user aborted a request.'),
      'system.processes',
      c.signal,
      250,
    );
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.message).toBe('system.processes timed out after 250 ms');
  });
});

describe('createClickHouseClient and a server that never answers', () => {
  let silent: Server;
  let url: string;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    silent = createServer((socket) => sockets.add(socket)); // accepts, then says nothing
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((r) => silent.close(r));
  });

  it('gives up when the signal aborts mid-request', async () => {
    const client = createClickHouseClient({ url });
    try {
      await expect(client.runningQueries({ signal: AbortSignal.timeout(200) })).rejects.toMatchObject({
        code: ErrorCode.Timeout,
      });
    } finally {
      await client.close();
    }
  });
});
