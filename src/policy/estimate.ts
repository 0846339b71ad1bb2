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
import { EXACT_SLOTS, SLOT_EDIT_LOG, slotFirst, slotLast, variance } from './stats';

/**
 * Row layout of the estimator's buffer: [0] the slot's centre; then prefix sums (row i+1 holds the sum
 * over slot indices < i+1) of: w, w·x, w·x², w·y, w·x·y (the smoother; w = count, x = centre, y = mean),
 * width, y·width (window levels), rel² and its count (squared relative differences of neighbouring
 * means), within-slot relative variance and its count (the noise).
 */
const W = 1, WX = 2, WXX = 3, WY = 4, WXY = 5, WIDTH = 6, YWIDTH = 7, REL2 = 8, RELN = 9, WITHIN = 10, WITHINN = 11;
const STRIDE = 12;
import type { PolicyStats, SlotEditLog, SlotEntry } from './types';

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

/** at() results are remembered per update for request numbers below this (bounded memory). */
const MEMO_LIMIT = 1 << 16;

/** Numbers per slot in the estimator's copy of its inputs: slot, count, mean, m2. */
const INPUTS = 4;

/** Equal as doubles, telling 0 from -0 (a row computed from either could differ in the sign of a zero). */
function same(a: number, b: number): boolean {
  return a === b && (a !== 0 || 1 / a === 1 / b);
}

export class CurveEstimator {
  private slots: readonly SlotEntry[] = [];
  /** Largest observed request number (0 = nothing observed). */
  frontier = 0;
  relNoise: number;
  trend: Trend | null = null;
  /** Rows of STRIDE numbers, see STRIDE (one buffer, grown by doubling: this runs at every decision). */
  private buf = new Float64Array(STRIDE);
  /** The inputs each row was computed from (INPUTS numbers per slot index). */
  private inputs = new Float64Array(0);
  private k = 0;
  /** The edit log of the statistics last updated from, and how many edits had been applied. */
  private log: SlotEditLog | undefined = undefined;
  private logSeen = 0;

  constructor(
    stats: PolicyStats,
    private readonly p: EstimatorParams,
  ) {
    this.relNoise = p.maxOptimism;
    this.update(stats);
  }

  /**
   * Brings the estimator up to date with `stats`. Row i + 1 depends only on slots 0..i, so the rows are
   * recomputed from the first slot whose inputs (slot, count, mean, m2) differ from those of the last
   * update, in the same order of operations as a build from nothing: the result is the same, bit for bit,
   * whatever view the statistics come from (a fresh one from a store simply matches less). A request
   * changes one slot, so a holder updating in place (the simulator) pays for the slots after it only;
   * with an edit log (PolicyStats.slotEdits) on the same slot list, the first changed slot is read from
   * the log instead of found by comparing every slot.
   */
  update(stats: PolicyStats): void {
    const slots = stats.slots;
    const k = slots.length;
    const common = Math.min(k, this.k);
    const log = stats.slotEdits;
    let i0 = 0;
    if (log !== undefined && log === this.log && slots === this.slots && log.edits - this.logSeen <= SLOT_EDIT_LOG) {
      // The same list, changed in place since the last update: the log says where.
      i0 = common;
      for (let e = this.logSeen; e < log.edits; e++) i0 = Math.min(i0, log.index[e % SLOT_EDIT_LOG]);
    } else {
      const inp = this.inputs;
      while (i0 < common) {
        const e = slots[i0];
        const o = INPUTS * i0;
        if (!(inp[o] === e.slot && inp[o + 1] === e.count && same(inp[o + 2], e.mean) && same(inp[o + 3], e.m2))) break;
        i0++;
      }
    }
    this.slots = slots;
    this.log = log;
    this.logSeen = log?.edits ?? 0;
    if (i0 === k && k === this.k) return;
    this.reserve(k);
    const buf = this.buf;
    const cur = this.inputs;
    // The prefix sums of row i0 (sums over slots < i0), then slot by slot as a full build does.
    let o = STRIDE * i0;
    let w0 = buf[o + W], wx0 = buf[o + WX], wxx0 = buf[o + WXX], wy0 = buf[o + WY], wxy0 = buf[o + WXY];
    let width0 = buf[o + WIDTH], ywidth0 = buf[o + YWIDTH], rel20 = buf[o + REL2], reln0 = buf[o + RELN];
    let within0 = buf[o + WITHIN], withinn0 = buf[o + WITHINN];
    let previousMean = i0 > 0 ? slots[i0 - 1].mean : 0;
    for (let i = i0; i < k; i++) {
      const e = slots[i];
      const first = e.slot <= EXACT_SLOTS ? e.slot : slotFirst(e.slot);
      const last = e.slot <= EXACT_SLOTS ? e.slot : slotLast(e.slot);
      const x = (first + last) / 2;
      const w = e.count;
      const y = e.mean;
      w0 += w;
      wx0 += w * x;
      wxx0 += w * x * x;
      wy0 += w * y;
      wxy0 += w * x * y;
      width0 += last - first + 1;
      ywidth0 += y * (last - first + 1);
      if (i > 0 && y + previousMean > 0) {
        const rel = (2 * (y - previousMean)) / (y + previousMean);
        rel20 += rel * rel;
        reln0 += 1;
      }
      if (w > 1 && y > 0) {
        within0 += variance(e) / (y * y);
        withinn0 += 1;
      }
      previousMean = y;
      buf[STRIDE * i] = x;
      o = STRIDE * (i + 1);
      buf[o + W] = w0;
      buf[o + WX] = wx0;
      buf[o + WXX] = wxx0;
      buf[o + WY] = wy0;
      buf[o + WXY] = wxy0;
      buf[o + WIDTH] = width0;
      buf[o + YWIDTH] = ywidth0;
      buf[o + REL2] = rel20;
      buf[o + RELN] = reln0;
      buf[o + WITHIN] = within0;
      buf[o + WITHINN] = withinn0;
      const io = INPUTS * i;
      cur[io] = e.slot;
      cur[io + 1] = e.count;
      cur[io + 2] = e.mean;
      cur[io + 3] = e.m2;
    }
    this.k = k;
    const top = k > 0 ? slots[k - 1] : null;
    this.frontier = top ? slotLast(top.slot) : 0;
    const fitted = this.fitTrend();
    this.relNoise = fitted.relNoise;
    this.trend = fitted.trend;
    this.best = null;
    this.frontierMean = NaN;
    this.generation++;
    this.samplesValidBelow = Math.min(this.samplesValidBelow, i0);
  }

  /** Room for k slots, keeping the rows and inputs computed so far. */
  private reserve(k: number): void {
    if (this.buf.length < STRIDE * (k + 1)) {
      const grown = new Float64Array(Math.max(STRIDE * (k + 1), 2 * this.buf.length));
      grown.set(this.buf);
      this.buf = grown;
    }
    if (this.inputs.length < INPUTS * k) {
      const grown = new Float64Array(Math.max(INPUTS * k, 2 * this.inputs.length));
      grown.set(this.inputs);
      this.inputs = grown;
    }
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
    this.atInto(n);
    return { mean: this.outMean, variance: this.outVariance };
  }

  /**
   * Where the allocation-free paths leave an estimate (at(), windowSum() and the smoother run at every
   * decision; an object per call would keep the garbage collector busy).
   */
  private outMean = 0;
  private outVariance = 0;

  private setOut(mean: number, variance: number): void {
    this.outMean = mean;
    this.outVariance = variance;
  }

  private atInto(n: number): void {
    const memo = (n | 0) === n && n >= 0 && n < MEMO_LIMIT;
    if (memo && n < this.memoStamp.length && this.memoStamp[n] === this.generation) return this.setOut(this.memoMean[n], this.memoVariance[n]);
    if (this.frontier === 0) this.setOut(0, 0);
    else if (n > this.frontier) this.extrapolate(n);
    else this.smooth(n);
    if (memo) {
      if (n >= this.memoStamp.length) this.growMemo(n);
      this.memoStamp[n] = this.generation;
      this.memoMean[n] = this.outMean;
      this.memoVariance[n] = this.outVariance;
    }
  }

  /**
   * at(n) per request number since the last update: a decision sums the same estimates over many
   * overlapping windows (every candidate, every checkpoint target). A stamp equal to `generation` marks
   * a valid entry; update() moves the generation on.
   */
  private generation = 1;
  private memoStamp = new Int32Array(0);
  private memoMean = new Float64Array(0);
  private memoVariance = new Float64Array(0);

  private growMemo(n: number): void {
    const size = Math.min(MEMO_LIMIT, Math.max(n + 1, 2 * this.memoStamp.length, 64));
    const stamp = new Int32Array(size);
    stamp.set(this.memoStamp);
    const mean = new Float64Array(size);
    mean.set(this.memoMean);
    const v = new Float64Array(size);
    v.set(this.memoVariance);
    this.memoStamp = stamp;
    this.memoMean = mean;
    this.memoVariance = v;
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
  private halfWidth(n: number): number {
    return Math.max(Math.ceil(this.p.minWindow / 2), Math.floor(this.p.smoothing * n));
  }

  /** One past the last slot index in the smoother's window at n. */
  private windowEnd(n: number): number {
    return this.lowerBound(n + this.halfWidth(n) + 1e-9);
  }

  private smooth(n: number): void {
    const h = this.halfWidth(n);
    const i = this.lowerBound(n - h);
    const j = this.lowerBound(n + h + 1e-9);
    const s0 = this.range(W, i, j);
    if (s0 === 0) {
      // No neighbour: the nearest observed slot below (or the first one).
      const e = this.slots[Math.max(0, i - 1)];
      return this.setOut(e.mean, (this.relNoise * e.mean) ** 2);
    }
    const wx = this.range(WX, i, j);
    const s1 = wx - n * s0;
    const s2 = this.range(WXX, i, j) - 2 * n * wx + n * n * s0;
    const t0 = this.range(WY, i, j);
    const t1 = this.range(WXY, i, j) - n * t0;
    const det = s0 * s2 - s1 * s1;
    if (det <= 1e-9 * s0 * s2 || s2 <= 0) {
      const mean = t0 / s0;
      return this.setOut(mean, (this.relNoise * mean) ** 2 / s0);
    }
    const mean = Math.max(0, (s2 * t0 - s1 * t1) / det);
    this.setOut(mean, ((this.relNoise * mean) ** 2 * s2) / det);
  }

  private extrapolate(n: number): void {
    const t = this.trend;
    if (!t) return this.setOut(0, 0);
    // From the trailing window's level (W samples: steadier than a fit at the data's edge).
    const floor = (1 - this.p.maxOptimism) * t.level;
    const levelVar = t.previousLevel === null ? (this.p.maxOptimism * t.level) ** 2 : (t.dropSe * t.dropSe) / 2;
    if (t.previousLevel === null) return this.setOut(Math.min(floor, this.optimisticBound()), levelVar);
    const slope = Math.max(0, t.drop) / t.window;
    const slopeSe = t.dropSe / t.window;
    const dist = n - (this.frontier - t.window / 2 + 0.5);
    const bound = this.optimisticBound();
    if (Number.isNaN(this.frontierMean)) {
      this.smooth(this.frontier);
      this.frontierMean = this.outMean;
    }
    // Never above the smoothed value at F: beyond the data is at least as good as its edge (optimism).
    const mean = Math.min(bound, Math.max(floor, Math.min(this.frontierMean, t.level - slope * dist)));
    this.setOut(mean, levelVar + (slopeSe * dist) ** 2);
  }
  private best: { mean: number; at: number } | null = null;
  /** The smoothed latency at the frontier (NaN: not computed since the last update). */
  private frontierMean = NaN;
  /** bestObserved()'s sample points n, their smoothed latency, and the end of their smoother window. */
  private sampleN: number[] = [];
  private sampleMean: number[] = [];
  private sampleEnd: number[] = [];
  /** Samples whose window ends below this slot index still hold (update() recomputes rows from there). */
  private samplesValidBelow = 0;

  /**
   * The lowest smoothed latency at any observed request number, and where its stretch ends: the last
   * n whose smoothed latency is within flatDrop of it (computed once per update; only the sample points
   * whose smoother window reaches a changed slot are smoothed again).
   */
  bestObserved(): { mean: number; at: number } {
    if (this.best === null) {
      const ns = this.sampleN;
      const ms = this.sampleMean;
      const ends = this.sampleEnd;
      // Windows end at non-decreasing indices as n grows, so the valid samples are a prefix.
      let s = 0;
      while (s < ns.length && ends[s] < this.samplesValidBelow && ns[s] <= this.frontier) s++;
      // Steps of at most ~5 % of n: O(log n) smoother calls per decade.
      for (let n = s === 0 ? 1 : Math.max(ns[s - 1] + 1, Math.floor(ns[s - 1] * 1.05)); n <= this.frontier; n = Math.max(n + 1, Math.floor(n * 1.05))) {
        ns[s] = n;
        this.smooth(n);
        ms[s] = this.outMean;
        ends[s] = this.windowEnd(n);
        s++;
      }
      ns.length = s;
      ms.length = s;
      ends.length = s;
      let min = Infinity;
      for (let i = 0; i < s; i++) min = Math.min(min, ms[i]);
      let at = 0;
      for (let i = 0; i < s; i++) if (ms[i] <= min * (1 + this.p.flatDrop)) at = ns[i];
      this.best = { mean: min, at };
      this.samplesValidBelow = Infinity;
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
    this.sumWindow(first, last);
    return { mean: this.windowMean, variance: this.windowVariance };
  }

  /** windowSum() without an object: the sums are left in windowMean and windowVariance. */
  windowMean = 0;
  windowVariance = 0;

  sumWindow(first: number, last: number): void {
    let mean = 0;
    let v = 0;
    for (let n = first; n <= last; n++) {
      this.atInto(n);
      mean += this.outMean;
      v += this.outVariance;
    }
    this.windowMean = mean;
    this.windowVariance = v;
  }
}
