import { expect } from 'chai';
import { createPolicy } from '../../../src/policy/registry';
import { CurveEstimator } from '../../../src/policy/estimate';
import { pronghornDefaults } from '../../../src/policy/pronghorn';
import { createRng } from '../../../src/policy/rng';
import { emptyStats, recordRequest, slotEditLog } from '../../../src/policy/stats';
import type { ActionView, Policy, PolicyContext, PruneMoment, SnapshotRecord } from '../../../src/policy/types';
import { exponentialCurve, syntheticCurves, type Curve } from '../../../src/sim/curve';
import { simulate } from '../../../src/sim/simulate';

/** A copy sharing nothing with the holder's objects: what a store hands out at every decision. */
function freshView(v: ActionView): ActionView {
  return structuredClone({ stats: v.stats, pool: v.pool }) as ActionView;
}

/**
 * Drives the long-lived policy (estimator updated in place between decisions) and, at every call, a
 * newly created one on a fresh copy of the view (estimator built from nothing), and records both
 * answers. The simulation follows the long-lived policy's answers.
 */
class Compared implements Policy {
  readonly params: Readonly<Record<string, unknown>>;
  calls = 0;
  mismatches: { call: string; optimized: unknown; fromScratch: unknown }[] = [];

  constructor(
    readonly name: string,
    private readonly optimized: Policy = createPolicy(name),
  ) {
    this.params = optimized.params;
  }

  private check<T>(call: string, optimized: T, fromScratch: T): T {
    this.calls++;
    try {
      expect(optimized).to.deep.equal(fromScratch);
    } catch {
      if (this.mismatches.length < 3) this.mismatches.push({ call, optimized, fromScratch });
    }
    return optimized;
  }

  chooseStart(view: ActionView, ctx: PolicyContext) {
    return this.check('chooseStart', this.optimized.chooseStart(view, ctx), createPolicy(this.name).chooseStart(freshView(view), ctx));
  }

  admitSnapshot(view: ActionView, snapshot: SnapshotRecord, ctx: PolicyContext) {
    return this.check('admitSnapshot', this.optimized.admitSnapshot(view, snapshot, ctx), createPolicy(this.name).admitSnapshot(freshView(view), snapshot, ctx));
  }

  prune(view: ActionView, ctx: PolicyContext, moment: PruneMoment) {
    return this.check(`prune ${moment}`, this.optimized.prune(view, ctx, moment), createPolicy(this.name).prune(freshView(view), ctx, moment));
  }
}

const curves: Curve[] = [
  ...syntheticCurves(1500),
  // Rising latency (a leak) and a slow stretch: the estimator's bounds and bestObserved() change often.
  exponentialCurve({ name: 'leak', baseMs: 10, ampMs: -5, tau: 200, coldStartMs: 30, restoreMs: 10, noise: 0.2, length: 1500 }),
  { name: 'gc-phase', coldStartMs: 50, restoreMs: 15, noise: 0.1, latencyMs: Array.from({ length: 600 }, (_, i) => (i > 80 && i < 160 ? 30 : 10 + 20 * Math.exp(-i / 40))) },
];

describe('pronghorn: incremental estimator', () => {
  for (const spec of ['pronghorn', 'pronghorn?capacity=3&smoothing=0.3&guard=false']) {
    for (const eviction of [1, 4, 20]) {
      it(`${spec}, E = ${eviction}: every decision equals a from-scratch rebuild on a fresh view`, () => {
        for (const curve of curves) {
          for (const seed of [1, 2]) {
            const compared = new Compared(spec);
            const requests = eviction === 20 ? 800 : 250;
            const run = simulate(curve, compared, { eviction, requests, seed });
            expect(compared.mismatches, `${curve.name}, seed ${seed}`).to.deep.equal([]);
            expect(compared.calls).to.be.greaterThan(run.snapshots);
            // And the run itself is the one an unwrapped policy produces.
            const plain = simulate(curve, createPolicy(spec), { eviction, requests, seed });
            expect(Array.from(run.latencies)).to.deep.equal(Array.from(plain.latencies));
          }
        }
      });
    }
  }

  for (const logged of [false, true]) {
    it(`one estimator fed changing views (appended, updated, inserted, removed slots${logged ? ', edit log' : ''}) equals a new one each time`, () => {
      const p = { maxOptimism: pronghornDefaults.maxOptimism, reach: pronghornDefaults.reach, smoothing: pronghornDefaults.smoothing, trendFraction: pronghornDefaults.trendFraction, minWindow: pronghornDefaults.minWindow, flatDrop: pronghornDefaults.flatDrop, z: pronghornDefaults.z };
      const rng = createRng(3);
      const stats = emptyStats();
      if (logged) stats.slotEdits = slotEditLog();
      const reused = new CurveEstimator(stats, p);
      const probe = (e: CurveEstimator) => {
        const f = e.frontier;
        return { f, trend: e.trend, relNoise: e.relNoise, best: f > 0 ? e.bestObserved() : null, at: [1, 2, Math.ceil(f / 2), f, f + 1, f + 7, 3 * f + 50].map((n) => e.at(n)), sum: e.windowSum(Math.max(1, f - 5), f + 5) };
      };
      for (let step = 0; step < 400; step++) {
        const r = rng.next();
        // Mostly the frontier, sometimes a request number far out (a coarse slot) or one in the middle.
        const n = r < 0.6 ? reused.frontier + 1 : r < 0.9 ? 1 + rng.int(Math.max(1, reused.frontier)) : 600 + rng.int(5000);
        recordRequest(stats, { requestNumber: n, requestsSinceStart: 1, origin: { kind: 'cold' }, latencyMs: 10 + 40 * Math.exp(-n / 100) * (1 + 0.1 * rng.gaussian()) });
        // A fresh copy every few steps (a store's view), now and then a view with slots removed, and with
        // the edit log some stretches of more edits than it holds.
        if (logged && step % 40 === 20) {
          for (let extra = 0; extra < 70; extra++) recordRequest(stats, { requestNumber: 1 + rng.int(reused.frontier + 1), requestsSinceStart: 1, origin: { kind: 'cold' }, latencyMs: 10 + rng.next() });
        }
        const view = step % 3 === 0 ? structuredClone(stats) : step % 50 === 49 ? { ...stats, slots: stats.slots.slice(0, stats.slots.length >> 1) } : stats;
        reused.update(view);
        expect(probe(reused), `step ${step}`).to.deep.equal(probe(new CurveEstimator(view, p)));
      }
    });
  }
});
