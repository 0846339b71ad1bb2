/** Summary statistics of a simulated (or measured) latency series. */

/** Nearest-rank percentile (q in [0, 1]) of an ascending array. */
export function percentileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

/** Median: the mean of the two middle values for even lengths. */
export function median(values: ArrayLike<number>): number {
  const s = Float64Array.from(values).sort();
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export interface ConvergenceOptions {
  /** Requests from this fraction of the run on define the converged latency (the paper: 400 of 500). */
  tailFrom: number;
  /** Half-width of the band around it, relative (the paper: 2 %). */
  band: number;
  /** Sliding window in requests (the paper: 20). */
  window: number;
  /** Earliest window start, 0-based (the paper: 100 for PyPy, 200 for JVM; ours: 0). */
  offset: number;
}

export const defaultConvergence: ConvergenceOptions = { tailFrom: 0.8, band: 0.02, window: 20, offset: 0 };

/**
 * The paper's convergence measure (pronghorn-policy.md §7.6): target = median of the tail; the first
 * window start (>= offset) whose window median lies within ±band of the target. Returns the number of
 * requests before that window, or null if no window qualifies.
 */
export function convergenceRequests(latencies: ArrayLike<number>, o: ConvergenceOptions = defaultConvergence): number | null {
  const n = latencies.length;
  const tailStart = Math.floor(o.tailFrom * n);
  if (n - tailStart < 1 || n < o.window) return null;
  const target = median(Array.prototype.slice.call(latencies, tailStart) as number[]);
  for (let start = o.offset; start + o.window <= n; start++) {
    const m = median(Array.prototype.slice.call(latencies, start, start + o.window) as number[]);
    if (Math.abs(m - target) <= o.band * target) return start;
  }
  return null;
}

/** (median fixed − median policy) / median fixed, in %. */
export function improvementPct(baselineMedian: number, policyMedian: number): number {
  return ((baselineMedian - policyMedian) / baselineMedian) * 100;
}
