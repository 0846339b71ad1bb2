/**
 * Estimates of an action's warm-up curve ℓ(n) from its slot statistics, for the `pronghorn` policy.
 * Everything is relative to the observed latencies, so multiplying every latency by a constant
 * multiplies every estimate (and its variance by the square): decisions are scale-free.
 *
 * - Observed request numbers: a local linear fit over neighbouring slots (see smooth()).
 * - The frontier F (largest observed n): two trailing windows of W = max(minWindow, trendFraction·F)
 *   request numbers give the level and its drop per window; their noise comes from the spread of
 *   neighbouring slot means (and within-slot variance where a slot has several samples).
 * - Beyond F: optimistic but bounded. The trailing window's level minus the observed slope (only a
 *   falling one) times the distance from the window's centre, never below (1 - maxOptimism)·level;
 *   with no trend yet, that floor itself.
 */
import { findSlot, slotOf, slotBounds, variance } from './stats';
import type { PolicyStats, SlotEntry } from './types';

export interface EstimatorParams {
  maxOptimism: number;
  smoothing: number;
  trendFraction: number;
  minWindow: number;
  flatDrop: number;
  z: number;
}

export interface Estimate {
  mean: number;
  /** Variance of the mean estimate. */
  variance: number;
}

export interface Trend {
  window: number;
  level: number;
  /** Mean latency of the window before the last (null if too little data). */
  previousLevel: number | null;
  /** previousLevel - level, and its standard error. */
  drop: number;
  dropSe: number;
  /** The curve has stopped falling, with confidence: |drop| ± z·se stays within flatDrop·level. */
  flat: boolean;
}

export class CurveEstimator {
  private readonly slots: readonly SlotEntry[];
  /** Largest observed request number (0 = nothing observed). */
  readonly frontier: number;
  readonly relNoise: number;
  readonly trend: Trend | null;

  constructor(
    stats: PolicyStats,
    private readonly p: EstimatorParams,
  ) {
    this.slots = stats.slots;
    const top = this.slots.length > 0 ? this.slots[this.slots.length - 1] : null;
    this.frontier = top ? slotBounds(top.slot)[1] : 0;
    const fitted = this.fitTrend();
    this.relNoise = fitted.relNoise;
    this.trend = fitted.trend;
  }

  private fitTrend(): { relNoise: number; trend: Trend | null } {
    if (this.frontier === 0) return { relNoise: this.p.maxOptimism, trend: null };
    const f = this.frontier;
    const w = Math.max(this.p.minWindow, Math.floor(this.p.trendFraction * f));
    const last = { sum: 0, width: 0, samples: 0 };
    const prev = { sum: 0, width: 0, samples: 0 };
    let diffSq = 0;
    let diffs = 0;
    let withinRel = 0;
    let withinN = 0;
    let above: SlotEntry | null = null;
    for (let i = this.slots.length - 1; i >= 0; i--) {
      const e = this.slots[i];
      const [lo, hi] = slotBounds(e.slot);
      if (hi <= f - 2 * w) break;
      const width = hi - lo + 1;
      const acc = hi > f - w ? last : prev;
      acc.sum += e.mean * width;
      acc.width += width;
      acc.samples += e.count;
      if (above && e.mean + above.mean > 0) {
        const rel = (2 * (above.mean - e.mean)) / (above.mean + e.mean);
        diffSq += rel * rel;
        diffs++;
      }
      if (e.count > 1 && e.mean > 0) {
        withinRel += variance(e) / (e.mean * e.mean);
        withinN++;
      }
      above = e;
    }
    // Neighbouring slot means differ by noise (and a little trend, which only makes us more careful).
    const relVar = Math.max(diffs > 0 ? diffSq / diffs / 2 : 0, withinN > 0 ? withinRel / withinN : 0);
    const relNoise = diffs > 0 || withinN > 0 ? Math.sqrt(relVar) : this.p.maxOptimism;
    if (last.width === 0) return { relNoise, trend: null };
    const level = last.sum / last.width;
    const base = { window: w, level, previousLevel: null, drop: 0, dropSe: 0, flat: false };
    // Two full windows are needed before we trust a slope (and before we may call the curve flat).
    if (f < 2 * w || prev.width === 0) return { relNoise, trend: base };
    const previousLevel = prev.sum / prev.width;
    const seLast = (relNoise * level) / Math.sqrt(Math.max(1, last.samples));
    const sePrev = (relNoise * previousLevel) / Math.sqrt(Math.max(1, prev.samples));
    const drop = previousLevel - level;
    const dropSe = Math.sqrt(seLast * seLast + sePrev * sePrev);
    // An equivalence test: the drop is confidently inside ±flatDrop·level. A one-sided test would call
    // a slow curve "flat" whenever a noisy window happened to rise.
    const margin = this.p.flatDrop * level;
    const flat = drop + this.p.z * dropSe < margin && drop - this.p.z * dropSe > -margin;
    return { relNoise, trend: { window: w, level, previousLevel, drop, dropSe, flat } };
  }

  /** Estimated latency at request number n and the variance of that estimate. */
  at(n: number): Estimate {
    if (this.frontier === 0) return { mean: 0, variance: 0 };
    if (n > this.frontier) return this.extrapolate(n);
    return this.smooth(n);
  }

  /**
   * Local linear regression over the observed slots within ±h of n (h = smoothing·n, at least minWindow/2),
   * weighted by sample count: one noisy sample per request number would otherwise make the cheapest
   * candidate the luckiest one. Local linear rather than a plain mean, so a falling curve is not biased
   * upwards at the frontier, where the neighbourhood is one-sided.
   */
  private smooth(n: number): Estimate {
    const h = Math.max(Math.ceil(this.p.minWindow / 2), Math.floor(this.p.smoothing * n));
    let i = findSlot(this.slots, slotOf(Math.max(1, n - h)));
    if (i < 0) i = -i - 1;
    let s0 = 0, s1 = 0, s2 = 0, t0 = 0, t1 = 0;
    const from = i;
    for (; i < this.slots.length; i++) {
      const e = this.slots[i];
      const [lo, hi] = slotBounds(e.slot);
      const d = (lo + hi) / 2 - n;
      if (d > h) break;
      s0 += e.count;
      s1 += e.count * d;
      s2 += e.count * d * d;
      t0 += e.count * e.mean;
      t1 += e.count * d * e.mean;
    }
    if (s0 === 0) {
      // No neighbour: the nearest observed slot below (or the first one).
      const e = this.slots[Math.max(0, Math.min(from, this.slots.length) - 1)];
      return { mean: e.mean, variance: (this.relNoise * e.mean) ** 2 };
    }
    const det = s0 * s2 - s1 * s1;
    const flatFit = det <= 1e-9 * s0 * s2 || s2 === 0;
    const mean = flatFit ? t0 / s0 : Math.max(0, (s2 * t0 - s1 * t1) / det);
    // Var = σ²·Σ w_i·(s2 - s1·d_i)² / det² for the linear fit (σ²/s0 for the plain mean).
    let factor = 1 / s0;
    if (!flatFit) {
      let acc = 0;
      for (let j = from; j < i; j++) {
        const e = this.slots[j];
        const [lo, hi] = slotBounds(e.slot);
        const d = (lo + hi) / 2 - n;
        acc += e.count * (s2 - s1 * d) ** 2;
      }
      factor = acc / (det * det);
    }
    return { mean, variance: (this.relNoise * mean) ** 2 * factor };
  }

  private extrapolate(n: number): Estimate {
    const t = this.trend;
    if (!t) return { mean: 0, variance: 0 };
    // From the trailing window's level (W samples: steadier than a fit at the data's edge).
    const floor = (1 - this.p.maxOptimism) * t.level;
    const levelVar = t.previousLevel === null ? (this.p.maxOptimism * t.level) ** 2 : (t.dropSe * t.dropSe) / 2;
    if (t.previousLevel === null) return { mean: floor, variance: levelVar };
    const slope = Math.max(0, t.drop) / t.window;
    const slopeSe = t.dropSe / t.window;
    const dist = n - (this.frontier - t.window / 2 + 0.5);
    // Never above the smoothed value at F: beyond the data is at least as good as its edge (optimism).
    const mean = Math.max(floor, Math.min(this.smooth(this.frontier).mean, t.level - slope * dist));
    return { mean, variance: levelVar + (slopeSe * dist) ** 2 };
  }

  /** Sum of estimates over request numbers first..last. */
  windowSum(first: number, last: number): Estimate {
    let mean = 0;
    let v = 0;
    for (let n = first; n <= last; n++) {
      const e = this.at(n);
      mean += e.mean;
      v += e.variance;
    }
    return { mean, variance: v };
  }
}
