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
 *   falling one) times the distance from the window's centre, never below (1 - maxOptimism)·level
 *   (with no trend yet, that floor itself); and, while F is within (1 + reach) times the request number
 *   of the best stretch seen, no worse than that best stretch (see optimisticBound()).
 */
import { EXACT_SLOTS, slotFirst, slotLast, variance } from './stats';

/**
 * Row layout of the estimator's buffer: [0] the slot's centre; then prefix sums (row i+1 holds the sum
 * over slot indices < i+1) of: w, w·x, w·x², w·y, w·x·y (the smoother; w = count, x = centre, y = mean),
 * width, y·width (window levels), rel² and its count (squared relative differences of neighbouring
 * means), within-slot relative variance and its count (the noise).
 */
const W = 1, WX = 2, WXX = 3, WY = 4, WXY = 5, WIDTH = 6, YWIDTH = 7, REL2 = 8, RELN = 9, WITHIN = 10, WITHINN = 11;
const STRIDE = 12;
import type { PolicyStats, SlotEntry } from './types';

export interface EstimatorParams {
  maxOptimism: number;
  reach: number;
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

/** Buffer size an estimator needs for a number of slots. */
export function estimatorBufferSize(slots: number): number {
  return STRIDE * (slots + 1);
}

export class CurveEstimator {
  private readonly slots: readonly SlotEntry[];
  /** Largest observed request number (0 = nothing observed). */
  readonly frontier: number;
  readonly relNoise: number;
  readonly trend: Trend | null;
  /** Rows of STRIDE numbers, see STRIDE (one buffer: this runs at every decision). */
  private readonly buf: Float64Array;
  private readonly k: number;

  /**
   * `scratch`, when given and large enough, is used as the buffer instead of a new allocation (a
   * decision-rate saving for the simulator): the estimator is then valid only until the owner of the
   * scratch builds the next one.
   */
  constructor(
    stats: PolicyStats,
    private readonly p: EstimatorParams,
    scratch?: Float64Array,
  ) {
    this.slots = stats.slots;
    const k = this.slots.length;
    this.k = k;
    const buf = scratch && scratch.length >= STRIDE * (k + 1) ? scratch : new Float64Array(STRIDE * (k + 1));
    buf.fill(0, 1, STRIDE);
    this.buf = buf;
    const acc = new Float64Array(STRIDE);
    let previousMean = 0;
    for (let i = 0; i < k; i++) {
      const e = this.slots[i];
      const first = e.slot <= EXACT_SLOTS ? e.slot : slotFirst(e.slot);
      const last = e.slot <= EXACT_SLOTS ? e.slot : slotLast(e.slot);
      const x = (first + last) / 2;
      const w = e.count;
      const y = e.mean;
      acc[W] += w;
      acc[WX] += w * x;
      acc[WXX] += w * x * x;
      acc[WY] += w * y;
      acc[WXY] += w * x * y;
      acc[WIDTH] += last - first + 1;
      acc[YWIDTH] += y * (last - first + 1);
      if (i > 0 && y + previousMean > 0) {
        const rel = (2 * (y - previousMean)) / (y + previousMean);
        acc[REL2] += rel * rel;
        acc[RELN] += 1;
      }
      if (w > 1 && y > 0) {
        acc[WITHIN] += variance(e) / (y * y);
        acc[WITHINN] += 1;
      }
      previousMean = y;
      const o = STRIDE * (i + 1);
      buf[STRIDE * i] = x;
      for (let c = 1; c < STRIDE; c++) buf[o + c] = acc[c];
    }
    const top = k > 0 ? this.slots[k - 1] : null;
    this.frontier = top ? slotLast(top.slot) : 0;
    const fitted = this.fitTrend();
    this.relNoise = fitted.relNoise;
    this.trend = fitted.trend;
  }

  /** First slot index whose centre is >= x. */
  private lowerBound(x: number): number {
    let lo = 0;
    let hi = this.k;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.buf[STRIDE * mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Sum of prefix column c over slot indices [i, j). */
  private range(c: number, i: number, j: number): number {
    return this.buf[STRIDE * j + c] - this.buf[STRIDE * i + c];
  }

  /** First slot index whose last request number is > n. */
  private firstEndingAfter(n: number): number {
    let lo = 0;
    let hi = this.k;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (slotLast(this.slots[mid].slot) <= n) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private fitTrend(): { relNoise: number; trend: Trend | null } {
    if (this.frontier === 0) return { relNoise: this.p.maxOptimism, trend: null };
    const f = this.frontier;
    const w = Math.max(this.p.minWindow, Math.floor(this.p.trendFraction * f));
    const k = this.k;
    // Slots ending in (f - 2w, f - w] form the previous window, those ending in (f - w, f] the last.
    const a = this.firstEndingAfter(f - 2 * w);
    const b = this.firstEndingAfter(f - w);
    // Neighbouring slot means differ by noise (and a little trend, which only makes us more careful).
    const diffs = a + 1 <= k ? this.range(RELN, a + 1, k) : 0;
    const diffSq = a + 1 <= k ? this.range(REL2, a + 1, k) : 0;
    const withinN = this.range(WITHINN, a, k);
    const withinRel = this.range(WITHIN, a, k);
    const relVar = Math.max(diffs > 0 ? diffSq / diffs / 2 : 0, withinN > 0 ? withinRel / withinN : 0);
    const relNoise = diffs > 0 || withinN > 0 ? Math.sqrt(relVar) : this.p.maxOptimism;
    const lastWidth = this.range(WIDTH, b, k);
    if (lastWidth === 0) return { relNoise, trend: null };
    const level = this.range(YWIDTH, b, k) / lastWidth;
    const base = { window: w, level, previousLevel: null, drop: 0, dropSe: 0, flat: false };
    const prevWidth = this.range(WIDTH, a, b);
    // Two full windows are needed before we trust a slope (and before we may call the curve flat).
    if (f < 2 * w || prevWidth === 0) return { relNoise, trend: base };
    const previousLevel = this.range(YWIDTH, a, b) / prevWidth;
    const seLast = (relNoise * level) / Math.sqrt(Math.max(1, this.range(W, b, k)));
    const sePrev = (relNoise * previousLevel) / Math.sqrt(Math.max(1, this.range(W, a, b)));
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
    return n > this.frontier ? this.extrapolate(n) : this.smooth(n);
  }

  /**
   * Local linear regression over the observed slots whose centre is within ±h of n (h = smoothing·n,
   * at least minWindow/2), weighted by sample count: one noisy sample per request number would
   * otherwise make the cheapest candidate the luckiest one. Local linear rather than a plain mean, so a
   * falling curve is not biased upwards at the frontier, where the neighbourhood is one-sided. The sums
   * come from prefix sums in O(log slots); with d = x - n they are S0 = Σw, S1 = Σw·d, S2 = Σw·d²,
   * T0 = Σw·y, T1 = Σw·d·y, the fit is (S2·T0 - S1·T1)/det with det = S0·S2 - S1², and its variance
   * σ²·S2/det (σ²/S0 for a plain mean).
   */
  private smooth(n: number): Estimate {
    const h = Math.max(Math.ceil(this.p.minWindow / 2), Math.floor(this.p.smoothing * n));
    const i = this.lowerBound(n - h);
    const j = this.lowerBound(n + h + 1e-9);
    const s0 = this.range(W, i, j);
    if (s0 === 0) {
      // No neighbour: the nearest observed slot below (or the first one).
      const e = this.slots[Math.max(0, i - 1)];
      return { mean: e.mean, variance: (this.relNoise * e.mean) ** 2 };
    }
    const wx = this.range(WX, i, j);
    const s1 = wx - n * s0;
    const s2 = this.range(WXX, i, j) - 2 * n * wx + n * n * s0;
    const t0 = this.range(WY, i, j);
    const t1 = this.range(WXY, i, j) - n * t0;
    const det = s0 * s2 - s1 * s1;
    if (det <= 1e-9 * s0 * s2 || s2 <= 0) {
      const mean = t0 / s0;
      return { mean, variance: (this.relNoise * mean) ** 2 / s0 };
    }
    const mean = Math.max(0, (s2 * t0 - s1 * t1) / det);
    return { mean, variance: ((this.relNoise * mean) ** 2 * s2) / det };
  }

  private extrapolate(n: number): Estimate {
    const t = this.trend;
    if (!t) return { mean: 0, variance: 0 };
    // From the trailing window's level (W samples: steadier than a fit at the data's edge).
    const floor = (1 - this.p.maxOptimism) * t.level;
    const levelVar = t.previousLevel === null ? (this.p.maxOptimism * t.level) ** 2 : (t.dropSe * t.dropSe) / 2;
    if (t.previousLevel === null) return { mean: Math.min(floor, this.optimisticBound()), variance: levelVar };
    const slope = Math.max(0, t.drop) / t.window;
    const slopeSe = t.dropSe / t.window;
    const dist = n - (this.frontier - t.window / 2 + 0.5);
    // Never above the smoothed value at F: beyond the data is at least as good as its edge (optimism).
    const mean = Math.min(this.optimisticBound(), Math.max(floor, Math.min(this.smooth(this.frontier).mean, t.level - slope * dist)));
    return { mean, variance: levelVar + (slopeSe * dist) ** 2 };
  }

  private best: { mean: number; at: number } | null = null;

  /**
   * The lowest smoothed latency at any observed request number, and where its stretch ends: the last
   * n whose smoothed latency is within flatDrop of it (computed once).
   */
  bestObserved(): { mean: number; at: number } {
    if (this.best === null) {
      const ns: number[] = [];
      const ms: number[] = [];
      let min = Infinity;
      // Steps of at most ~5 % of n: O(log n) smoother calls per decade.
      for (let n = 1; n <= this.frontier; n = Math.max(n + 1, Math.floor(n * 1.05))) {
        const m = this.smooth(n).mean;
        ns.push(n);
        ms.push(m);
        min = Math.min(min, m);
      }
      let at = 0;
      for (let i = 0; i < ns.length; i++) if (ms[i] <= min * (1 + this.p.flatDrop)) at = ns[i];
      this.best = { mean: min, at };
    }
    return this.best;
  }

  /**
   * Beyond the data the curve is assumed no worse than its best stretch so far, so a slow stretch (a GC
   * phase, a deoptimisation) does not stop exploration for good; but only while the frontier is within
   * (1 + reach) times the request number where that best stretch ends, so a curve that keeps getting worse
   * (a leak) is not chased for ever. Infinity = no such bound.
   */
  private optimisticBound(): number {
    const b = this.bestObserved();
    return this.frontier <= (1 + this.p.reach) * Math.max(b.at, this.p.minWindow) ? b.mean : Infinity;
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
