// Normalizes whatever @kubernetes/client-node throws into coded errors at the port boundary:
// 429/5xx and network failures are retryable, 4xx (404 NotFound, 403 Forbidden, 409 Conflict,
// 422 Invalid) are not. Messages come from the API's Status object, never from the client's
// exception text (which embeds response headers).
import { ApiException } from '@kubernetes/client-node';
import { PerfbotError, TimeoutError, UpstreamError } from '../../errors.js';

const SERVICE = 'kubernetes';

interface StatusBody {
  message?: unknown;
  reason?: unknown;
}

function statusMessage(body: unknown): string | undefined {
  if (typeof body === 'string') {
    try {
      return statusMessage(JSON.parse(body) as unknown);
    } catch {
      return body.trim().slice(0, 300) || undefined;
    }
  }
  if (body && typeof body === 'object') {
    const { message, reason } = body as StatusBody;
    if (typeof message === 'string' && message) return message;
    if (typeof reason === 'string' && reason) return reason;
  }
  return undefined;
}

/**
 * `what` names the call ("read Deployment data-processing/normalization"). An aborted signal wins
 * over the error it caused: the caller's deadline, not a network failure, is the story.
 */
export function toKubernetesError(err: unknown, what: string, signal?: AbortSignal): PerfbotError {
  if (err instanceof PerfbotError) return err;
  if (signal?.aborted) {
    const reason: unknown = signal.reason;
    return reason instanceof PerfbotError ? reason : new TimeoutError(what, 0);
  }
  if (err instanceof ApiException) {
    const code = err.code;
    const detail = statusMessage(err.body) ?? `HTTP ${code}`;
    // No `cause`: the exception text embeds response headers, which do not belong in logs.
    return new UpstreamError(SERVICE, `${what}: ${detail}`, { status: code });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new UpstreamError(SERVICE, `${what}: ${message}`, { cause: err });
}

/** Runs one API call and normalizes its failure. */
export async function call<T>(
  what: string,
  signal: AbortSignal | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toKubernetesError(err, what, signal);
  }
}
