/**
 * Every call the orchestrator makes to the agent goes through here: a timeout per attempt, a bounded
 * number of retries with exponential backoff, and a caller-supplied fallback so that an agent failure
 * degrades the decision (e.g. to a cold start) instead of failing the activation.
 */
import { withTimeout } from '../../infra/timeout';

export interface RetryOptions {
  /** Per-attempt timeout in ms. */
  timeoutMs: number;
  /** Retries after the first attempt. */
  retries: number;
  /** Backoff before retry i (0-based) is baseDelayMs · 2^i, capped at maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface AttemptReport {
  what: string;
  attempt: number;
  error: unknown;
}

/** Every error is retried except one that says it cannot succeed again (`retryable: false`, e.g. an agent 4xx). */
export function retryableByDefault(e: unknown): boolean {
  return !(typeof e === 'object' && e !== null && (e as { retryable?: unknown }).retryable === false);
}

/** Runs `run` with timeout and retries; throws the last error when every attempt failed. */
export async function retrying<T>(
  what: string,
  opts: RetryOptions,
  run: (signal: AbortSignal) => Promise<T>,
  onFailedAttempt?: (r: AttemptReport) => void,
  isRetryable: (e: unknown) => boolean = retryableByDefault,
): Promise<T> {
  let lastError: unknown;
  for (let attempt = 0; attempt <= opts.retries; attempt++) {
    try {
      return await withTimeout(what, opts.timeoutMs, run);
    } catch (e) {
      lastError = e;
      onFailedAttempt?.({ what, attempt, error: e });
      if (attempt === opts.retries || !isRetryable(e)) break;
      await sleep(Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** attempt));
    }
  }
  throw lastError;
}

/** Like `retrying`, but returns `fallback()` (and reports why) when every attempt failed. */
export async function retryingWithFallback<T>(
  what: string,
  opts: RetryOptions,
  run: (signal: AbortSignal) => Promise<T>,
  fallback: (error: unknown) => Promise<T>,
  onFailedAttempt?: (r: AttemptReport) => void,
): Promise<{ value: T; fellBack: boolean }> {
  try {
    return { value: await retrying(what, opts, run, onFailedAttempt), fellBack: false };
  } catch (e) {
    return { value: await fallback(e), fellBack: true };
  }
}
