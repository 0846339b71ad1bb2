/**
 * `pronghorn`: the request-centric idea with the artifact's flaws fixed (docs/policy.md explains each).
 *
 * Cost of starting a worker from snapshot k (k = 0: cold), in the latency's own unit:
 *   c(k) = [start(k) + Σ_{n=k+1}^{k+L} ℓ̂(n)] / L
 * where start is the measured restore or cold-start cost and L the learned worker lifetime. A new worker
 * starts from the latest candidate whose c is not worse than the lowest c with confidence (ties and
 * near-ties go to the later snapshot, so the frontier keeps moving while latency falls). A guard then replaces the choice by the
 * best simple baseline (cold, or the earliest snapshot: fixed:1's) when the choice is worse than it
 * with confidence. Snapshot point: the n in (r, r+L] with the lowest c, taken only while it extends the
 * frontier of a curve that is not confidently flat, or improves on the pool's best.
 *
 * Own latency: two snapshots of neighbouring request numbers can run quite differently (each image holds
 * the JIT and heap state of its own moment; 38.7 against 51.0 ms medians for snapshots 56 and 57 of one
 * bfs cell), which a smoothed curve cannot show. So the first request after snapshot k (request number
 * k + 1, exact slots up to EXACT_SLOTS) counts with its own measured mean, shrunk towards the smoothed
 * curve by empirical Bayes: weight τ² / (τ² + σ²/count), where σ² is the noise of one sample (pooled within
 * slots) and τ² how far slot means stray from each other beyond that noise (successive differences).
 * Where the curve is smooth, τ² is about 0 and nothing changes. Off by default (`ownLatency`): in four
 * same-run comparisons at E=1 it changed the improvement over fixed:1 by −2.1 to +2.3 points, no more
 * than two runs of one policy differ (docs/policy.md).
 *
 * Select mode (`select`, off by default): with one-request workers, once the curve no longer falls with
 * confidence, the start is drawn by Thompson sampling on each snapshot's own latency (thompson()). In one
 * same-run comparison on five actions it did not beat the frontier walk (26.4 against 27.5 % over
 * fixed:1, bench/e2e/2026-12-07-select-e1).
 */
import { z } from 'zod';
import { CurveEstimator, type Estimate } from './estimate';
import { EXACT_SLOTS, findSlot, variance } from './stats';
import { CHAIN_FIRST_REQUESTS } from '../store/types';
import type { ActionView, Moments, Policy, PolicyContext, PruneMoment, SnapshotRecord, StartDecision } from './types';

export const zFlag = z.union([z.boolean(), z.enum(['true', 'false']).transform((s) => s === 'true')]);

export const pronghornParamsSchema = z
  .object({
    capacity: z.coerce.number().int().min(2).default(8).describe('largest pool size (distinct request numbers)'),
    maxOptimism: z.coerce.number().min(0).max(0.9).default(0.1).describe('unobserved request numbers are estimated at no less than (1 - this) × the frontier level'),
    reach: z.coerce.number().min(0).default(3).describe('unobserved request numbers count as good as the best seen while the frontier is within (1 + reach) × where it was seen'),
    smoothing: z.coerce.number().min(0).max(1).default(0.1).describe('half-width of the curve smoother as a fraction of n'),
    trendFraction: z.coerce.number().gt(0).max(0.5).default(0.25).describe('trend window as a fraction of the frontier request number'),
    minWindow: z.coerce.number().int().min(2).default(8).describe('smallest trend window in requests'),
    flatDrop: z.coerce.number().min(0).default(0.02).describe('a drop per trend window below this fraction of the level counts as flat'),
    z: z.coerce.number().min(0).default(2).describe('confidence multiplier (standard errors) for "flat" and for the guard'),
    minGain: z.coerce.number().min(0).default(0.01).describe('a snapshot inside the frontier must beat the pool\'s best cost by this fraction'),
    startPriorRelSd: z.coerce.number().min(0).default(0.25).describe('relative sd assumed for a start cost measured fewer than two times'),
    preferLater: z.coerce.number().min(0).default(2).describe('a later snapshot is chosen unless its cost exceeds the best by more than this many standard errors'),
    guard: zFlag.default(true).describe('fall back to the best simple baseline when the choice is worse with confidence'),
    ownLatency: zFlag
      .default(false)
      .describe("a snapshot's cost also weighs the latency measured right after it (request number + 1), by how much neighbouring request numbers differ beyond noise"),
    select: zFlag
      .default(false)
      .describe('with workers that serve one request each, once the curve no longer falls with confidence: choose among the pool by Thompson sampling on each snapshot\'s own measured latency'),
    roots: z.coerce
      .number()
      .int()
      .min(1)
      .max(8)
      .default(3)
      .describe('cold processes (roots) whose lines are advanced side by side at first; the pool then keeps the line that ran fastest (1: no trial)'),
    rootDepth: z.coerce
      .number()
      .int()
      .min(2)
      .max(CHAIN_FIRST_REQUESTS - 1)
      .default(8)
      .describe('roots are compared on request numbers 2 to this + 1 of their lines'),
  })
  .strict();
export type PronghornParams = z.output<typeof pronghornParamsSchema>;
export const pronghornDefaults: PronghornParams = pronghornParamsSchema.parse({});

/**
 * Relative noise of one sample (σ², pooled within slots) and relative spread of slot means beyond that
 * noise (τ²: how differently snapshots run), both as squared fractions of the curve's level.
 */
interface OwnLatencyModel {
  sigma2: number;
  tau2: number;
}

/** Fewer neighbouring pairs of observed exact slots than this: no own-latency term. */
const OWN_LATENCY_MIN_SLOTS = 8;

/** The model looks at the highest this many observed exact slots: a decision's cost stays bounded. */
const OWN_LATENCY_SLOTS = 128;

/**
 * σ² and τ² from the highest observed exact slots, or null when τ² is 0 or cannot be estimated. τ² comes
 * from successive differences (von Neumann): for observed neighbours n and n + 1,
 * E[(ȳ(n+1) − ȳ(n))²] = 2τ² + σ²(1/c₁ + 1/c₂) plus the curve's own step, which is negligible from one
 * request number to the next. One pass, no call into the estimator: this runs at every decision.
 */
function ownLatencyModel(slots: ActionView['stats']['slots'], est: CurveEstimator): OwnLatencyModel | null {
  // One past the last exact slot.
  let end = slots.length;
  while (end > 0 && slots[end - 1].slot > EXACT_SLOTS) end--;
  let withinM2 = 0;
  let withinDf = 0;
  let observed = 0;
  let sumD2 = 0;
  let sumInv = 0;
  let pairs = 0;
  let next: ActionView['stats']['slots'][number] | null = null;
  for (let i = end - 1; i >= 0 && observed < OWN_LATENCY_SLOTS; i--) {
    const e = slots[i];
    if (e.count === 0 || e.mean <= 0) continue;
    observed++;
    if (e.count > 1) {
      withinM2 += e.m2 / (e.mean * e.mean);
      withinDf += e.count - 1;
    }
    if (next !== null && next.slot === e.slot + 1) {
      const d = (2 * (next.mean - e.mean)) / (next.mean + e.mean);
      sumD2 += d * d;
      sumInv += 1 / e.count + 1 / next.count;
      pairs++;
    }
    next = e;
  }
  if (pairs < OWN_LATENCY_MIN_SLOTS) return null;
  // Without repeated samples the estimator's own noise level stands in (it includes any spread between
  // slots, so τ² comes out smaller: the cautious side).
  const sigma2 = withinDf > 0 ? withinM2 / withinDf : est.relNoise * est.relNoise;
  const tau2 = (sumD2 - sigma2 * sumInv) / pairs / 2;
  return tau2 > 0 ? { sigma2, tau2 } : null;
}

/**
 * Where the root trial stands, read from the pool alone (lines are told apart by LineageChain.rootId):
 * `start` — fewer roots than wanted so far: the next worker starts cold, a new root;
 * `advance` — some line has not reached the compared depth: its newest snapshot is restored and dumped
 * again (the least advanced line first, so lines advance in turns and machine drift hits them alike);
 * `compare` — every line reached it: the fastest line stays, the others leave the pool;
 * `off` — no trial (one line, or `roots` = 1).
 */
type TrialPhase =
  | { kind: 'off' }
  | { kind: 'start'; lines: number }
  | { kind: 'advance'; next: SnapshotRecord; lines: number }
  | { kind: 'compare'; winner: string; lines: Map<string, SnapshotRecord> };

const OFF: TrialPhase = { kind: 'off' };

/** The newest snapshot of each line in the pool (snapshots without a chain belong to no line). */
function newestPerLine(pool: readonly SnapshotRecord[]): Map<string, SnapshotRecord> {
  const out = new Map<string, SnapshotRecord>();
  for (const s of pool) {
    if (!s.chain) continue;
    const had = out.get(s.chain.rootId);
    if (!had || s.requestNumber > had.requestNumber || (s.requestNumber === had.requestNumber && s.createdAt > had.createdAt)) out.set(s.chain.rootId, s);
  }
  return out;
}

/**
 * Mean log execution time of request numbers 2 … depth + 1 of a line (the first request of a cold
 * process is left out: it pays for lazy compilation, which every root pays alike). Infinity when none
 * of them was timed.
 */
export function lineScore(snapshot: SnapshotRecord, depth: number): number {
  const first = snapshot.chain?.firstMs ?? [];
  let sum = 0;
  let count = 0;
  for (let i = 1; i <= depth && i < first.length; i++) {
    const ms = first[i];
    if (ms === null || !(ms > 0)) continue;
    sum += Math.log(ms);
    count++;
  }
  return count > 0 ? sum / count : Infinity;
}

/** Relative tolerance under which two costs are a tie (keeps decisions identical at any scale). */
const TIE = 1e-9;

interface Candidate {
  snapshot: SnapshotRecord | null;
  k: number;
  /** Estimated cost per request (mean, and the variance of that estimate). */
  mean: number;
  variance: number;
}

export class PronghornPolicy implements Policy {
  readonly name: string;

  constructor(
    readonly params: PronghornParams,
    name = 'pronghorn',
  ) {
    this.name = name;
  }

  /** The estimator, brought up to date at each decision, and what it was last updated from. */
  private est: CurveEstimator | null = null;
  /** The own-latency model of the estimator's current data (undefined: not computed since its last update). */
  private own: OwnLatencyModel | null | undefined = undefined;
  private seen: { slots: ActionView['stats']['slots']; length: number; activations: number } = { slots: [], length: -1, activations: -1 };

  /**
   * The curve estimator for a view. A holder that updates its statistics in place (the simulator) asks
   * several times between two requests: while the slot list, its length and the activation count are
   * the same (every recorded request changes the count) nothing is looked at. Otherwise the estimator
   * updates itself from the first slot that differs (estimate.ts update()), which gives the same numbers
   * as a build from nothing; a fresh view from a store is compared slot by slot.
   */
  private estimator(view: ActionView): CurveEstimator {
    const { slots, activations } = view.stats;
    const seen = this.seen;
    if (this.est !== null && seen.slots === slots && seen.length === slots.length && seen.activations === activations) return this.est;
    if (this.est === null) {
      const p = this.params;
      this.est = new CurveEstimator(view.stats, { maxOptimism: p.maxOptimism, reach: p.reach, smoothing: p.smoothing, trendFraction: p.trendFraction, minWindow: p.minWindow, flatDrop: p.flatDrop, z: p.z });
    } else {
      this.est.update(view.stats);
    }
    seen.slots = slots;
    seen.length = slots.length;
    seen.activations = activations;
    this.own = undefined;
    return this.est;
  }

  /** The curve estimator as of `view` (for tests). */
  estimatorOf(view: ActionView): CurveEstimator {
    return this.estimator(view);
  }

  /** Mean lifetime in requests (the cost window) and a cautious one (where snapshots are placed). */
  lifetime(view: ActionView, ctx: PolicyContext): { mean: number; cautious: number } {
    const lt = view.stats.lifetime;
    if (lt.count === 0) {
      const l = Math.max(1, Math.round(ctx.configuredLifetime ?? 1));
      return { mean: l, cautious: l };
    }
    const mean = Math.max(1, Math.round(lt.mean));
    const sd = Math.sqrt(variance(lt));
    return { mean, cautious: Math.max(1, Math.floor(lt.mean - sd)) };
  }

  private startCost(m: Moments, fallback: Moments): Estimate {
    const src = m.count > 0 ? m : fallback;
    if (src.count === 0) return { mean: 0, variance: 0 };
    const v = src.count > 1 ? variance(src) : (this.params.startPriorRelSd * src.mean) ** 2;
    return { mean: src.mean, variance: v / src.count };
  }

  /** Where cost() leaves its estimate (no object per call: this runs many times per decision). */
  private costMean = 0;
  private costVariance = 0;

  private cost(est: CurveEstimator, start: Estimate, k: number, life: number): void {
    est.sumWindow(k + 1, k + life);
    this.costMean = (start.mean + est.windowMean) / life;
    this.costVariance = (start.variance + est.windowVariance) / (life * life);
  }

  /** Every candidate with its estimated cost: cold first, then the pool. */
  candidates(view: ActionView, ctx: PolicyContext, est: CurveEstimator = this.estimator(view)): Candidate[] {
    const life = this.lifetime(view, ctx).mean;
    const s = view.stats;
    const cold = this.startCost(s.coldStart, s.coldStart);
    // A restore never measured yet is assumed to cost what a cold start costs (neutral prior).
    const restore = this.startCost(s.restore, s.coldStart);
    // While the curve still falls, the frontier leads; a snapshot's own speed decides once it is flat (a
    // first version without this locked onto an early snapshot: bfs +29.6 % against +33.4 %).
    const own = view.pool.length > 0 && ((this.params.ownLatency && (est.trend?.flat ?? false)) || this.selecting(view, ctx, est)) ? this.ownModel(s.slots, est) : null;
    this.cost(est, cold, 0, life);
    if (own) this.ownLatency(own, s.slots, est, 1, life);
    const out: Candidate[] = [{ snapshot: null, k: 0, mean: this.costMean, variance: this.costVariance }];
    for (const snap of view.pool) {
      this.cost(est, restore, snap.requestNumber, life);
      if (own) this.ownLatency(own, s.slots, est, snap.requestNumber + 1, life);
      out.push({ snapshot: snap, k: snap.requestNumber, mean: this.costMean, variance: this.costVariance });
    }
    return out;
  }

  /** The own-latency model, computed once per estimator update (candidates() runs several times per start). */
  private ownModel(slots: ActionView['stats']['slots'], est: CurveEstimator): OwnLatencyModel | null {
    if (est !== this.est) return ownLatencyModel(slots, est);
    if (this.own === undefined) this.own = ownLatencyModel(slots, est);
    return this.own;
  }

  /**
   * Replaces the smoothed estimate of request number n (the first after the start) in the cost just
   * computed by its shrunk own-latency estimate, when slot n has samples.
   */
  private ownLatency(model: OwnLatencyModel, slots: ActionView['stats']['slots'], est: CurveEstimator, n: number, life: number): void {
    if (!this.shrinkOwn(model, slots, est, n)) return;
    const w = this.ownWeight;
    const v = (1 - w) * (1 - w) * this.ownSmoothVariance + w * w * this.ownNoise2;
    this.costMean += (this.ownMean - this.ownSmoothMean) / life;
    this.costVariance = Math.max(0, this.costVariance + (v - this.ownSmoothVariance) / (life * life));
  }

  /** Where shrinkOwn() leaves its result (no object per call: it runs for every candidate). */
  private ownSmoothMean = 0;
  private ownSmoothVariance = 0;
  private ownTau2 = 0;
  private ownNoise2 = 0;
  private ownWeight = 0;
  private ownMean = 0;

  /**
   * Request number n's latency from its own samples (at E=1, those of snapshot n − 1), shrunk towards
   * the smoothed curve by empirical Bayes: weight τ² / (τ² + σ²/count), in the curve's level. False, with
   * weight 0 and the smoothed estimate as the mean, when n has no samples of its own (unobserved, or
   * beyond the exact slots).
   */
  private shrinkOwn(model: OwnLatencyModel, slots: ActionView['stats']['slots'], est: CurveEstimator, n: number): boolean {
    const smooth = est.at(n);
    const level2 = smooth.mean * smooth.mean;
    this.ownSmoothMean = smooth.mean;
    this.ownSmoothVariance = smooth.variance;
    this.ownTau2 = model.tau2 * level2;
    this.ownNoise2 = 0;
    this.ownWeight = 0;
    this.ownMean = smooth.mean;
    const i = n <= EXACT_SLOTS ? findSlot(slots, n) : -1;
    if (i < 0 || slots[i].count === 0) return false;
    const e = slots[i];
    this.ownNoise2 = (model.sigma2 * level2) / e.count;
    this.ownWeight = this.ownTau2 / (this.ownTau2 + this.ownNoise2);
    this.ownMean = smooth.mean + this.ownWeight * (e.mean - smooth.mean);
    return true;
  }

  /**
   * Whether the select mode applies: workers serve one request each (so request number k + 1 measures
   * snapshot k alone) and the curve does not fall with confidence any more (while it does, the frontier
   * leads). The trend needs its two windows first.
   */
  private selecting(view: ActionView, ctx: PolicyContext, est: CurveEstimator): boolean {
    if (!this.params.select || view.pool.length === 0 || this.lifetime(view, ctx).mean !== 1) return false;
    const t = est.trend;
    if (!t || t.previousLevel === null) return false;
    return !(t.drop - this.params.z * t.dropSe > this.params.flatDrop * t.level);
  }

  /**
   * Thompson sampling over the pool: one draw per snapshot from what is known of its own speed (the
   * curve's estimate at k + 1, shrunk towards the snapshot's own measured mean by shrinkOwn(), with
   * the posterior spread of a snapshot around the curve), the lowest draw wins. A snapshot restored
   * often is known well and chosen while it is fast; one never measured draws from the curve's spread
   * of snapshots, so new snapshots get their chance and slow ones drop out of use (and, by cost, out of
   * the pool). Null when the own-latency model finds no spread between snapshots.
   */
  private thompson(view: ActionView, ctx: PolicyContext, est: CurveEstimator, cands: Candidate[]): Candidate | null {
    const model = this.ownModel(view.stats.slots, est);
    if (!model) return null;
    let best: Candidate | null = null;
    let bestDraw = Infinity;
    for (const c of cands) {
      if (!c.snapshot) continue;
      this.shrinkOwn(model, view.stats.slots, est, c.k + 1);
      // The posterior spread of the snapshot's own speed: (1 − w)·τ² (τ² when never measured).
      const v = this.ownSmoothVariance + (1 - this.ownWeight) * this.ownTau2;
      const draw = this.ownMean + Math.sqrt(v) * ctx.rng.gaussian();
      if (draw < bestDraw) {
        bestDraw = draw;
        best = c;
      }
    }
    return best;
  }

  /** Where the root trial stands for this view (see TrialPhase). */
  trial(view: ActionView): TrialPhase {
    // Every line keeps one snapshot in the pool during the trial.
    const wanted = Math.min(this.params.roots, this.params.capacity);
    if (wanted <= 1) return OFF;
    // The common case once the trial is over (this runs at every start and prune): one line, enough
    // cold starts seen. Checked without building the map below.
    if (view.stats.coldStarts >= wanted && view.pool.length > 0) {
      const first = view.pool[0].chain?.rootId;
      let oneLine = true;
      for (let i = 1; i < view.pool.length && oneLine; i++) oneLine = view.pool[i].chain?.rootId === first;
      if (oneLine) return OFF;
    }
    const lines = newestPerLine(view.pool);
    // Snapshots without lines (an older agent's) cannot be told apart: no trial among them.
    if (lines.size === 0 && view.pool.length > 0) return OFF;
    // Cold starts so far, as the events tell (they lag a little): once as many as wanted were seen, a
    // pool back to one line has finished its trial and no new root is started.
    if (lines.size < wanted && view.stats.coldStarts < wanted) return { kind: 'start', lines: lines.size };
    if (lines.size < 2) return OFF;
    const depth = this.params.rootDepth;
    let next: SnapshotRecord | null = null;
    for (const s of lines.values()) {
      if (s.requestNumber > depth) continue;
      if (next === null || s.requestNumber < next.requestNumber || (s.requestNumber === next.requestNumber && s.createdAt < next.createdAt)) next = s;
    }
    if (next !== null) return { kind: 'advance', next, lines: lines.size };
    let winner = '';
    let best = Infinity;
    for (const [root, s] of lines) {
      const score = lineScore(s, depth);
      if (winner === '' || score < best) {
        winner = root;
        best = score;
      }
    }
    return { kind: 'compare', winner, lines };
  }

  chooseStart(view: ActionView, ctx: PolicyContext): StartDecision {
    const trial = this.trial(view);
    if (trial.kind === 'start' || trial.kind === 'advance') {
      // Each trial worker is dumped at its last request, so its line advances as far as it can.
      const { cautious } = this.lifetime(view, ctx);
      if (trial.kind === 'start') {
        return { source: { kind: 'cold' }, checkpointAt: cautious, retireAt: null, reason: `root trial: cold start of root ${trial.lines + 1} of ${this.params.roots}` };
      }
      const k = trial.next.requestNumber;
      return {
        source: { kind: 'snapshot', snapshotId: trial.next.snapshotId, requestNumber: k },
        checkpointAt: k + cautious,
        retireAt: null,
        reason: `root trial: advancing the line at ${k} (${trial.lines} lines to request ${this.params.rootDepth + 1})`,
      };
    }
    // A caller that did not prune first: decide among the winning line only.
    if (trial.kind === 'compare') view = { stats: view.stats, pool: view.pool.filter((s) => !s.chain || s.chain.rootId === trial.winner) };
    const est = this.estimator(view);
    const cands = this.candidates(view, ctx, est);
    let chosen = cands[0];
    let reason = 'pool empty: cold';
    const sampled = cands.length > 1 && this.selecting(view, ctx, est) ? this.thompson(view, ctx, est, cands) : null;
    if (sampled) {
      chosen = sampled;
      reason = `select: snapshot at ${chosen.k} by its own measured latency`;
    } else if (cands.length > 1) {
      // The latest candidate whose cost is not worse than the lowest with confidence: near-equal
      // estimates favour the frontier, so it keeps moving while the curve falls.
      let best = cands[0];
      for (const c of cands) if (c.mean < best.mean) best = c;
      chosen = best;
      for (const c of cands) {
        const gap = c.mean - best.mean;
        const plausible = gap <= TIE * Math.abs(best.mean) || gap <= this.params.preferLater * Math.sqrt(c.variance + best.variance);
        if (plausible && c.k > chosen.k) chosen = c;
      }
      reason = chosen.snapshot ? `latest plausible cheapest: snapshot at ${chosen.k}` : 'cheapest: cold';
    }
    if (cands.length > 1 && this.params.guard) {
      const baseline = this.baseline(cands);
      const gap = chosen.mean - baseline.mean;
      if (baseline !== chosen && gap > this.params.z * Math.sqrt(chosen.variance + baseline.variance)) {
        chosen = baseline;
        reason = `guard: the choice is worse than the ${baseline.snapshot ? `snapshot at ${baseline.k}` : 'cold'} baseline with confidence`;
      }
    }
    const source: StartDecision['source'] = chosen.snapshot
      ? { kind: 'snapshot', snapshotId: chosen.snapshot.snapshotId, requestNumber: chosen.k }
      : { kind: 'cold' };
    return { source, checkpointAt: this.checkpointTarget(view, ctx, chosen.k, est), retireAt: null, reason };
  }

  /** The best simple baseline by mean cost: cold, or the earliest snapshot (what fixed:1 restores). */
  private baseline(cands: Candidate[]): Candidate {
    let earliest: Candidate | null = null;
    for (const c of cands) if (c.snapshot && (earliest === null || c.k < earliest.k)) earliest = c;
    return earliest && earliest.mean < cands[0].mean ? earliest : cands[0];
  }

  /** Where a worker starting at r should be dumped, or null when no dump is worth it. */
  checkpointTarget(view: ActionView, ctx: PolicyContext, r: number, est: CurveEstimator = this.estimator(view)): number | null {
    const { mean: life, cautious } = this.lifetime(view, ctx);
    const restore = this.startCost(view.stats.restore, view.stats.coldStart);
    let target = r + 1;
    let targetCost = Infinity;
    for (let t = r + 1; t <= r + cautious; t++) {
      this.cost(est, restore, t, life);
      const c = this.costMean;
      if (c <= targetCost * (1 + TIE)) {
        target = t;
        targetCost = c;
      }
    }
    // Plain loops over the pool (a handful of entries): this runs at every worker start.
    const pool = view.pool;
    if (pool.length === 0) return target;
    let frontier = -Infinity;
    for (const s of pool) {
      if (s.requestNumber === target) return null;
      if (s.requestNumber > frontier) frontier = s.requestNumber;
    }
    if (target > frontier && !(est.trend?.flat ?? false)) return target;
    // Snapshots of one request number cost the same, so a duplicate changes no minimum.
    let bestPool = Infinity;
    for (const s of pool) {
      this.cost(est, restore, s.requestNumber, life);
      bestPool = Math.min(bestPool, this.costMean);
    }
    return targetCost < bestPool * (1 - this.params.minGain) ? target : null;
  }

  /** No two snapshots of one request number (of one line, while roots are tried). */
  admitSnapshot(view: ActionView, snapshot: SnapshotRecord): boolean {
    const anyLine = this.params.roots <= 1;
    const root = snapshot.chain?.rootId;
    for (const s of view.pool) if (s.requestNumber === snapshot.requestNumber && (anyLine || s.chain?.rootId === root)) return false;
    return true;
  }

  /**
   * Duplicated request numbers go first (the newest copy is dropped); above capacity, the entries with
   * the highest estimated cost go, but never the earliest (the baseline arm), the frontier or the best.
   */
  prune(view: ActionView, ctx: PolicyContext, _moment: PruneMoment): string[] {
    const trial = this.trial(view);
    if (trial.kind !== 'off') {
      // During the trial only each line's newest snapshot is restored again; at its end the losing
      // lines go as well.
      const lines = trial.kind === 'compare' ? trial.lines : newestPerLine(view.pool);
      const keep = (s: SnapshotRecord): boolean =>
        !s.chain || (lines.get(s.chain.rootId) === s && (trial.kind !== 'compare' || s.chain.rootId === trial.winner));
      return view.pool.filter((s) => !keep(s)).map((s) => s.snapshotId);
    }
    // Index loops and arrays rather than sets and maps: the pool holds a handful of entries, and this
    // runs at every worker start and after every snapshot.
    const pool = view.pool;
    const drop: string[] = [];
    for (let i = 0; i < pool.length; i++) {
      let duplicate = false;
      for (let j = 0; j < i && !duplicate; j++) duplicate = pool[j].requestNumber === pool[i].requestNumber;
      if (duplicate && !drop.includes(pool[i].snapshotId)) drop.push(pool[i].snapshotId);
    }
    const distinct = drop.length === 0 ? pool : pool.filter((s) => !drop.includes(s.snapshotId));
    if (distinct.length <= this.params.capacity) return drop;
    // candidates() lists cold first, then `distinct` in order. Snapshot ids are unique in a pool (the
    // store's key), so entries are compared as objects.
    const cands = this.candidates({ stats: view.stats, pool: distinct }, ctx);
    let earliest = distinct[0];
    let latest = distinct[0];
    for (const s of distinct) {
      if (s.requestNumber < earliest.requestNumber) earliest = s;
      if (s.requestNumber > latest.requestNumber) latest = s;
    }
    // Indices by cost, ties to the later snapshot (request numbers are distinct here, so the order is
    // total and an insertion sort gives what any sort would).
    const byCost: number[] = new Array<number>(distinct.length);
    for (let i = 0; i < distinct.length; i++) {
      let at = i;
      while (at > 0 && (cands[byCost[at - 1] + 1].mean - cands[i + 1].mean || distinct[i].requestNumber - distinct[byCost[at - 1]].requestNumber) > 0) {
        byCost[at] = byCost[at - 1];
        at--;
      }
      byCost[at] = i;
    }
    const keep: SnapshotRecord[] = [earliest];
    if (latest !== earliest) keep.push(latest);
    if (!keep.includes(distinct[byCost[0]])) keep.push(distinct[byCost[0]]);
    for (const i of byCost) {
      if (keep.length >= this.params.capacity) break;
      if (!keep.includes(distinct[i])) keep.push(distinct[i]);
    }
    for (const s of distinct) if (!keep.includes(s)) drop.push(s.snapshotId);
    return drop;
  }
}
