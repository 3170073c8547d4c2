// Retrying calls to the manager while it does not answer, so that workers ride out a manager
// restart; errors that are answers (4xx, bad input) are not retried.
import { isDojoError } from '../../../lib/errors';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True for errors that mean "nobody answered" rather than "the answer is no". */
export function isUnavailable(e: unknown): boolean {
  if (isDojoError(e)) return e.code === 'UNAVAILABLE';
  if (e instanceof TypeError) return true; // fetch failed: connection refused or reset
  const code = (e as { code?: unknown; cause?: { code?: unknown } } | undefined)?.cause?.code ?? (e as { code?: unknown } | undefined)?.code;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'ETIMEDOUT';
}

/** Calls fn until it succeeds, retrying while the service is unavailable for at most patienceMs. */
export async function withPatience<T>(fn: () => Promise<T>, patienceMs: number, onWait?: (e: unknown) => void): Promise<T> {
  const deadline = Date.now() + patienceMs;
  let delay = 250;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (!isUnavailable(e) || Date.now() + delay > deadline) throw e;
      onWait?.(e);
      await sleep(delay);
      delay = Math.min(delay * 2, 5000);
    }
  }
}
