/** A bounded wait on a promise, shared by the orchestrator's agent calls and the agent's lineage writes. */

export class CallTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} timed out after ${ms} ms`);
    this.name = 'CallTimeoutError';
  }
}

/** `run`'s result, or a CallTimeoutError after `ms` (the signal is aborted then, for work that can stop). */
export function withTimeout<T>(what: string, ms: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      controller.abort();
      reject(new CallTimeoutError(what, ms));
    }, ms);
    run(controller.signal).then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
