/**
 * The "current improvement estimate": the expected mean latency per request over one worker lifetime
 * when every new worker starts (a) cold, (b) from the snapshot after request 1 (fixed:1), (c) from the
 * best choice available now (a snapshot in the pool, or cold). Computed from the learned curve alone,
 * without running the simulator, so the status views stay cheap and deterministic:
 *
 *   Ê        = learned mean lifetime in requests (1 before any worker was evicted), capped
 *   ℓ(n)     = mean execution latency of the slot containing request number n; beyond the last
 *              observed slot the last value holds, before the first the first value holds
 *   τ(j)     = restored workers' mean excess over the curve at j requests since restore (0 if unknown)
 *   cold     = [coldStart + Σ_{i=1..Ê} ℓ(i)] / Ê
 *   from k   = [restore(k) + Σ_{i=1..Ê} (ℓ(k+i) + τ(i))] / Ê   (restore(k): the snapshot's measured
 *              restore time, else the action's mean restore time)
 *   fixed:1  = "from k" with k = 1 and the action's mean restore time
 *   best     = min(cold, min over the pool of "from k"); cold competes only once a cold start
 *              was measured (an unmeasured start cost would make it look free)
 *   improvement = (fixed:1 − best) / fixed:1 × 100
 */
import type { Baselines, CurveInputPoint, StatusInput } from './types';

/** Lifetimes beyond this add nothing to the estimate but time. */
export const MAX_LIFETIME_REQUESTS = 100_000;

/** Step function over a curve sorted by n: the mean of the slot whose start is the largest ≤ n. */
export function stepLookup(curve: readonly CurveInputPoint[]): (n: number) => number {
  if (curve.length === 0) return () => 0;
  return (n: number) => {
    let lo = 0;
    let hi = curve.length - 1;
    if (n <= curve[0].n) return curve[0].mean;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (curve[mid].n <= n) lo = mid;
      else hi = mid - 1;
    }
    return curve[lo].mean;
  };
}

export function expectedLifetime(input: StatusInput): number {
  if (input.lifetime.count <= 0 || !Number.isFinite(input.lifetime.mean)) return 1;
  return Math.min(MAX_LIFETIME_REQUESTS, Math.max(1, Math.round(input.lifetime.mean)));
}

export interface Estimator {
  lifetime: number;
  coldMs(): number;
  fromSnapshotMs(requestNumber: number, restoreMs?: number): number;
}

/** Null while nothing is known about the action's latency (empty curve). */
export function estimator(input: StatusInput): Estimator | null {
  if (input.curve.length === 0) return null;
  const lifetime = expectedLifetime(input);
  const latency = stepLookup(input.curve);
  const excess = input.transient.length > 0 ? stepLookup(input.transient) : () => 0;
  const meanRestore = input.restore.count > 0 ? input.restore.mean : 0;
  const coldStart = input.coldStart.count > 0 ? input.coldStart.mean : 0;
  let transientSum = 0;
  for (let i = 1; i <= lifetime; i++) transientSum += excess(i);
  const windowSum = (from: number): number => {
    let sum = 0;
    for (let i = 1; i <= lifetime; i++) sum += latency(from + i);
    return sum;
  };
  return {
    lifetime,
    coldMs: () => (coldStart + windowSum(0)) / lifetime,
    fromSnapshotMs: (k, restoreMs) => {
      const restore = restoreMs !== undefined && restoreMs > 0 ? restoreMs : meanRestore;
      return (restore + windowSum(k) + transientSum) / lifetime;
    },
  };
}

export function baselines(input: StatusInput): Baselines | null {
  const est = estimator(input);
  if (!est) return null;
  const coldMs = est.coldMs();
  const fixed1Ms = est.fromSnapshotMs(1);
  // Cold competes only once its start cost has been observed (or when there is nothing else).
  const coldKnown = input.coldStart.count > 0 || input.pool.length === 0;
  let pronghornMs = coldKnown ? coldMs : Infinity;
  let bestRequestNumber = 0;
  for (const snap of input.pool) {
    const ms = est.fromSnapshotMs(snap.requestNumber, snap.restoreMs);
    // Ties go to the later snapshot: it is at least as hot.
    if (ms < pronghornMs || (ms === pronghornMs && snap.requestNumber > bestRequestNumber)) {
      pronghornMs = ms;
      bestRequestNumber = snap.requestNumber;
    }
  }
  const improvementPct = fixed1Ms > 0 ? ((fixed1Ms - pronghornMs) / fixed1Ms) * 100 : 0;
  return { coldMs, fixed1Ms, pronghornMs, bestRequestNumber, improvementPct, lifetimeRequests: est.lifetime };
}
