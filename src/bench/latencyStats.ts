/** Summary statistics the bench report uses: quantiles, improvement, convergence. */

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  // Linear interpolation between closest ranks (numpy's default), so small samples behave sensibly.
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export const median = (v: readonly number[]): number => quantile(v, 0.5);

/** The paper's metric: (median(baseline) − median(candidate)) / median(baseline) × 100. */
export function improvementPct(baselineMedian: number, candidateMedian: number): number {
  if (!(baselineMedian > 0)) return NaN;
  return ((baselineMedian - candidateMedian) / baselineMedian) * 100;
}

export interface ConvergenceOptions {
  /** Sliding window length in requests (paper: 20). */
  window: number;
  /** Relative band around the target (paper: 0.02). */
  band: number;
  /** Fraction of the run at its end whose median is the target (paper: requests ≥ 400 of 500). */
  tailFraction: number;
}

export const paperConvergence: ConvergenceOptions = { window: 20, band: 0.02, tailFraction: 0.2 };

/**
 * What the bench uses: the artifact's window and tail, with a ±5 % band. The artifact's ±2 % was applied
 * to in-function µs timings; ours are end-to-end ms over seeded inputs whose sizes vary up to 20×, and
 * the median of 20 such requests moves by more than 2 % from one window to the next even at steady state.
 */
export const benchConvergence: ConvergenceOptions = { window: 20, band: 0.05, tailFraction: 0.2 };

/**
 * Requests needed to reach steady state: the first window start whose window median lies within
 * ±band of the median of the run's tail. Unlike the artifact we do not floor the start at 100/200
 * requests, so fast convergence is visible. Null when no window qualifies.
 */
export function convergenceRequests(
  latencies: readonly number[],
  opts: ConvergenceOptions = benchConvergence,
): number | null {
  const n = latencies.length;
  if (n < opts.window) return null;
  const tailStart = Math.min(n - 1, Math.floor(n * (1 - opts.tailFraction)));
  const target = median(latencies.slice(tailStart));
  for (let start = 0; start + opts.window <= n; start++) {
    const m = median(latencies.slice(start, start + opts.window));
    if (Math.abs(m - target) <= opts.band * target) return start;
  }
  return null;
}

export function geometricMean(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  return Math.exp(values.reduce((s, v) => s + Math.log(v), 0) / values.length);
}
