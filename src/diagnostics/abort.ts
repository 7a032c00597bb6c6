// One check's time budget. The signal tells a well-behaved integration to stop; the race makes
// sure the run moves on even when one does not (an SDK that ignores its AbortSignal).
import { formatDuration } from '../duration.js';

export interface Budget {
  timeoutMs: number;
  /** The whole run's deadline (or cancellation); its reason becomes the error. */
  deadline: AbortSignal;
}

export async function runCheckUntil<T>(
  work: (signal: AbortSignal) => Promise<T>,
  budget: Budget,
): Promise<T> {
  const own = new AbortController();
  const timer = setTimeout(
    () => own.abort(new Error(`timed out after ${formatDuration(budget.timeoutMs)}`)),
    budget.timeoutMs,
  );
  const signal = AbortSignal.any([own.signal, budget.deadline]);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(reasonOf(signal));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    // `work` may throw synchronously; Promise.resolve().then keeps that inside the race.
    return await Promise.race([Promise.resolve().then(() => work(signal)), aborted]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

function reasonOf(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(String(reason ?? 'aborted'));
}
