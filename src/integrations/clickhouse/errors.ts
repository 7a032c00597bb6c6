// Normalizes what @clickhouse/client throws into coded errors. A server exception is a query
// problem (not retryable) unless its code says the server was only busy or slow; connection
// failures and gateway trouble are retryable. An aborted signal wins: the deadline is the story.
import { PerfbotError, TimeoutError, UpstreamError } from '../../errors.js';

const SERVICE = 'clickhouse';

/** ClickHouse error codes that mean "try again later". */
const TRANSIENT_CODES = new Set([
  159, // TIMEOUT_EXCEEDED
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  252, // TOO_MANY_PARTS
]);

/** Exception text of 18.16 ("Code: 47, e.displayText() = DB::Exception: …") and later ("Code: 47. DB::Exception: …"). */
const CODE_RE = /^Code: (\d+)[.,]/;

export function toClickHouseError(
  err: unknown,
  what: string,
  signal: AbortSignal,
  elapsedMs: number,
): PerfbotError {
  if (err instanceof PerfbotError) return err;
  if (signal.aborted) {
    const reason: unknown = signal.reason;
    return reason instanceof PerfbotError ? reason : new TimeoutError(what, elapsedMs);
  }
  const message = (err instanceof Error ? err.message : String(err)).trim();
  const firstLine = (message.split('\n')[0] ?? '').slice(0, 300);
  const code = Number(message.match(CODE_RE)?.[1] ?? (err as { code?: unknown }).code);
  if (Number.isInteger(code) && code > 0) {
    return new UpstreamError(SERVICE, `${what}: ${firstLine}`, { retryable: TRANSIENT_CODES.has(code) });
  }
  // No ClickHouse code: the request never got a server answer (refused, reset, timed out).
  return new UpstreamError(SERVICE, `${what}: ${firstLine || 'request failed'}`, {
    cause: err,
    retryable: true,
  });
}
