import { expect } from 'chai';
import { exponentialCurve, parseCurve, CurveError, loadCurve } from '../../../src/sim/curve';
import { simulate } from '../../../src/sim/simulate';
import { runExperiment } from '../../../src/sim/experiment';
import { convergenceRequests, median } from '../../../src/sim/metrics';
import { createPolicy } from '../../../src/policy/registry';
import type { Policy, SnapshotRecord } from '../../../src/policy/types';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const jit = (tau: number) => exponentialCurve({ name: `tau${tau}`, baseMs: 10, ampMs: 40, tau, coldStartMs: 60, restoreMs: 20, noise: 0.05, length: 4000 });
const flatIo = exponentialCurve({ name: 'io', baseMs: 100, ampMs: 0, tau: 1, coldStartMs: 40, restoreMs: 150, noise: 0.05, length: 1 });
const SEEDS = [1, 2, 3];

/** Wraps a policy to record the pool every decision saw and every admitted snapshot. */
function watched(p: Policy) {
  const seen = { maxPoolAtStart: 0, duplicateRequestNumbers: 0 };
  const wrapped: Policy = {
    name: p.name,
    params: p.params,
    chooseStart(v, ctx) {
      seen.maxPoolAtStart = Math.max(seen.maxPoolAtStart, v.pool.length);
      // Lines (roots) tried side by side may hold one request number each.
      const ks = v.pool.map((s) => `${s.chain?.rootId}:${s.requestNumber}`);
      seen.duplicateRequestNumbers += ks.length - new Set(ks).size;
      return p.chooseStart(v, ctx);
    },
    admitSnapshot: (v, s: SnapshotRecord, ctx) => p.admitSnapshot(v, s, ctx),
    prune: (v, ctx, m) => p.prune(v, ctx, m),
  };
  return { wrapped, seen };
}

const meanMedian = (spec: string, curve: ReturnType<typeof jit>, eviction: number) =>
  SEEDS.map((seed) => median(simulate(curve, createPolicy(spec), { eviction, requests: 500, seed }).latencies)).reduce((a, b) => a + b, 0) / SEEDS.length;

describe('simulator', () => {
  it('is deterministic: same seed, same output; another seed, another output', () => {
    for (const spec of ['artifact', 'pronghorn', 'fixed:1']) {
      const a = simulate(jit(30), createPolicy(spec), { eviction: 4, requests: 300, seed: 7 });
      const b = simulate(jit(30), createPolicy(spec), { eviction: 4, requests: 300, seed: 7 });
      expect(Array.from(a.latencies)).to.deep.equal(Array.from(b.latencies));
      expect(Array.from(a.requestNumbers)).to.deep.equal(Array.from(b.requestNumbers));
      expect(a.snapshots).to.equal(b.snapshots);
      const c = simulate(jit(30), createPolicy(spec), { eviction: 4, requests: 300, seed: 8 });
      expect(Array.from(c.latencies)).to.not.deep.equal(Array.from(a.latencies));
    }
  });

  it('applies the issue model: latency at n plus the start cost on a worker\'s first request', () => {
    const curve = parseCurve({ name: 'c', coldStartMs: 100, restoreMs: 7, latencyMs: [50, 20, 10] });
    const cold = simulate(curve, createPolicy('cold'), { eviction: 4, requests: 6, seed: 1 });
    expect(Array.from(cold.latencies)).to.deep.equal([150, 20, 10, 10, 150, 20]);
    const fixed = simulate(curve, createPolicy('fixed:1'), { eviction: 2, requests: 5, seed: 1 });
    // Cold worker: 1, 2 (dump after 1); then restored at 1: 2, 3; again 2.
    expect(Array.from(fixed.latencies)).to.deep.equal([150, 20, 27, 10, 27]);
    expect(Array.from(fixed.requestNumbers)).to.deep.equal([1, 2, 2, 3, 2]);
    const init = simulate(curve, createPolicy('init'), { eviction: 1, requests: 3, seed: 1 });
    expect(Array.from(init.latencies)).to.deep.equal([150, 57, 57]);
  });

  it('stateSpread: each runtime state runs at a speed of its own, which restored workers inherit', () => {
    const curve = parseCurve({ name: 'c', coldStartMs: 100, restoreMs: 7, latencyMs: [50, 20, 10], stateSpread: 0.2 });
    const fixed = simulate(curve, createPolicy('fixed:1'), { eviction: 1, requests: 6, seed: 3 });
    const [cold, ...restored] = Array.from(fixed.latencies);
    // Every later worker restores the one snapshot (request number 1) and serves request 2 at its speed.
    const factor = (restored[0] - 7) / 20;
    expect(factor).to.not.be.closeTo(1, 1e-6);
    for (const ms of restored) expect(ms).to.be.closeTo(7 + 20 * factor, 1e-9);
    // The cold process drew a factor of its own.
    expect((cold - 100) / 50).to.not.be.closeTo(factor, 1e-6);
    // Without it, the same run is the curve itself.
    const plain = simulate(parseCurve({ name: 'c', coldStartMs: 100, restoreMs: 7, latencyMs: [50, 20, 10] }), createPolicy('fixed:1'), { eviction: 1, requests: 3, seed: 3 });
    expect(Array.from(plain.latencies)).to.deep.equal([150, 27, 27]);
  });

  it('rootSpread: a cold process\'s speed lasts in every state descending from it; pronghorn\'s root trial finds a fast one', () => {
    const flat = (rootSpread: number) =>
      parseCurve({ name: 'flat', coldStartMs: 300, restoreMs: 20, latencyMs: [60, 30], noise: 0.15, rootSpread });
    // fixed:1: one cold process, then every restore of its one snapshot runs at that process's speed.
    const fixed = Array.from(simulate(flat(0.3), createPolicy('fixed:1'), { eviction: 1, requests: 200, seed: 5 }).latencies).slice(1);
    const level = median(fixed) - 20;
    expect(Math.abs(Math.log(level / 30))).to.be.greaterThan(0.01);
    // The lines' first requests travel with the snapshots: three roots tried, one left after the trial.
    const base = createPolicy('pronghorn');
    const pools: SnapshotRecord[][] = [];
    const spy: Policy = {
      name: base.name,
      params: base.params,
      chooseStart: (v, c) => (pools.push([...v.pool]), base.chooseStart(v, c)),
      admitSnapshot: (v, snap, c) => base.admitSnapshot(v, snap, c),
      prune: (v, c, m) => base.prune(v, c, m),
    };
    simulate(flat(0.3), spy, { eviction: 1, requests: 60, seed: 5 });
    const all = pools.flat();
    for (const snap of all) expect(snap.chain?.firstMs).to.have.length(Math.min(snap.requestNumber, 32));
    expect(new Set(all.map((snap) => snap.chain?.rootId)).size).to.equal(3);
    expect(new Set(pools[pools.length - 1].map((snap) => snap.chain?.rootId)).size).to.equal(1);
    // With a spread between processes, trying three roots beats keeping the first one, over 20 seeds.
    const gm = (spec: string) => {
      let sum = 0;
      for (let seed = 1; seed <= 20; seed++) sum += Math.log(median(Array.from(simulate(flat(0.3), createPolicy(spec), { eviction: 1, requests: 500, seed }).latencies)));
      return Math.exp(sum / 20);
    };
    expect(gm('pronghorn')).to.be.below(gm('pronghorn?roots=1') * 0.95);
  });

  it('pool: never above capacity at a decision, no duplicate request numbers in a line of pronghorn\'s', () => {
    for (const curve of [jit(30), jit(300), flatIo]) {
      for (const eviction of [1, 4, 20]) {
        const p = watched(createPolicy('pronghorn?capacity=5'));
        const run = simulate(curve, p.wrapped, { eviction, requests: 500, seed: 3 });
        expect(p.seen.maxPoolAtStart).to.be.at.most(5);
        expect(run.maxPool).to.be.at.most(5);
        expect(p.seen.duplicateRequestNumbers).to.equal(0);
        const a = watched(createPolicy('artifact?capacity=6'));
        simulate(curve, a.wrapped, { eviction, requests: 500, seed: 3 });
        expect(a.seen.maxPoolAtStart).to.be.at.most(6);
      }
    }
  });

  it('flat I/O-bound curve, restore dearer than a cold start: pronghorn within 2 % of fixed:1, artifact not', () => {
    let artifactWorse = false;
    for (const eviction of [1, 4, 20]) {
      for (const seed of SEEDS) {
        const rows = runExperiment({ curves: [flatIo], policies: ['pronghorn', 'artifact'], evictions: [eviction], requests: 500, seed });
        expect(rows[0].improvementPct, `E=${eviction} seed=${seed}`).to.be.at.least(-2);
        if (rows[1].improvementPct < rows[0].improvementPct - 2) artifactWorse = true;
      }
    }
    // At E = 1 the artifact keeps restoring (restore cost ignored, flaw 7) while a cold start is cheaper.
    expect(artifactWorse).to.equal(true);
  });

  for (const tau of [30, 300, 3000]) {
    it(`falling curve τ = ${tau}: pronghorn does at least as well as artifact (mean of ${SEEDS.length} seeds' medians, 2 % tolerance)`, () => {
      for (const eviction of [1, 4, 20]) {
        const pronghorn = meanMedian('pronghorn', jit(tau), eviction);
        const artifact = meanMedian('artifact', jit(tau), eviction);
        expect(pronghorn, `E=${eviction}`).to.be.at.most(artifact * 1.02);
      }
    });
  }

  it('gets past a slow stretch of the curve (a GC phase) to the faster request numbers beyond it', () => {
    const bump = parseCurve({
      name: 'bump',
      coldStartMs: 500,
      restoreMs: 300,
      noise: 0.05,
      latencyMs: Array.from({ length: 600 }, (_, i) => (i < 30 ? 60 : i < 90 ? 150 : 30)),
    });
    for (const seed of SEEDS) {
      const run = simulate(bump, createPolicy('pronghorn'), { eviction: 20, requests: 500, seed });
      expect(Math.max(...run.requestNumbers), `seed ${seed}`).to.be.above(150);
      const fixed = simulate(bump, createPolicy('fixed:1'), { eviction: 20, requests: 500, seed });
      expect(median(run.latencies)).to.be.below(median(fixed.latencies));
    }
  });

  it('a curve that keeps rising (a leak): pronghorn stops exploring and does at least as well as artifact', () => {
    const rising = parseCurve({ name: 'leak', coldStartMs: 60, restoreMs: 20, noise: 0.05, latencyMs: Array.from({ length: 2000 }, (_, i) => 10 + 0.05 * (i + 1)) });
    for (const eviction of [1, 4, 20]) {
      expect(meanMedian('pronghorn', rising, eviction), `E=${eviction}`).to.be.at.most(meanMedian('artifact', rising, eviction));
    }
  });

  it('convergence follows the paper\'s method, with a window offset', () => {
    const xs = [...Array(100).fill(50), ...Array(400).fill(10)];
    // The window starting at 91 holds 9 slow and 11 fast requests: its median is already fast.
    expect(convergenceRequests(xs)).to.equal(91);
    expect(convergenceRequests(xs, { tailFrom: 0.8, band: 0.02, window: 20, offset: 150 })).to.equal(150);
    // Still falling at the end: only windows close to the tail are within ±2 % of its median.
    expect(convergenceRequests(Array.from({ length: 500 }, (_, i) => 1000 - i))).to.be.within(400, 460);
    expect(convergenceRequests([5, 4, 3])).to.equal(null);
  });

  it('rejects bad curve files with counted problems and reads the synthetic ones', () => {
    expect(() => parseCurve({ name: '', coldStartMs: -1, restoreMs: 1, latencyMs: [] }, 'x.json')).to.throw(CurveError, /x.json: not a latency curve \(3 problems\)/);
    expect(() => loadCurve('/nonexistent/curve.json')).to.throw(CurveError, /cannot read/);
    const dir = join(__dirname, '../../../bench/curves/synthetic');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).to.be.at.least(4);
    for (const f of files) expect(loadCurve(join(dir, f)).latencyMs.length).to.be.at.least(1);
  });
});
