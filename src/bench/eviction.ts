/**
 * When the local invoker evicts a worker. Two models: the paper's (after E requests) and OpenWhisk's
 * (after the worker has been idle for a while; pause-grace 10 s then idle-container 10 min upstream).
 */
export interface WorkerUsage {
  /** Requests this worker has served since it started (its request counter c). */
  served: number;
  /** Epoch ms of the end of its last request (or its start). */
  lastUsedAt: number;
}

export interface EvictionModel {
  /** A short label used in reports: `E=4`, `idle=600s`. */
  readonly label: string;
  /** Checked right after a request completes. */
  evictAfterRequest(w: WorkerUsage): boolean;
  /** Checked before a request is routed to an existing worker. */
  evictBeforeRequest(w: WorkerUsage, now: number): boolean;
  /** The expected requests per worker, if the model fixes it (E), for reporting. */
  readonly requestsPerWorker?: number;
}

export function evictAfterRequests(e: number): EvictionModel {
  if (!Number.isInteger(e) || e < 1) throw new Error(`eviction E must be a positive integer, got ${e}`);
  return {
    label: `E=${e}`,
    requestsPerWorker: e,
    evictAfterRequest: (w) => w.served >= e,
    evictBeforeRequest: () => false,
  };
}

export function evictWhenIdle(idleMs: number): EvictionModel {
  if (!(idleMs > 0)) throw new Error(`idle eviction needs a positive time, got ${idleMs}`);
  const label = idleMs % 1000 === 0 ? `idle=${idleMs / 1000}s` : `idle=${idleMs}ms`;
  return {
    label,
    evictAfterRequest: () => false,
    evictBeforeRequest: (w, now) => now - w.lastUsedAt >= idleMs,
  };
}

/** Parses `E=4`, `4`, `idle=600s`, `idle=250ms`. */
export function parseEviction(text: string): EvictionModel {
  const t = text.trim();
  const count = /^(?:E=)?(\d+)$/i.exec(t);
  if (count) return evictAfterRequests(Number(count[1]));
  const idle = /^idle=(\d+(?:\.\d+)?)(ms|s|m)$/i.exec(t);
  if (idle) {
    const factor = { ms: 1, s: 1000, m: 60_000 }[idle[2].toLowerCase() as 'ms' | 's' | 'm'];
    return evictWhenIdle(Number(idle[1]) * factor);
  }
  throw new Error(`cannot parse eviction model "${text}" (expected E=N or idle=N{ms,s,m})`);
}
