import { expect } from 'chai';
import { ArtifactPolicy, softmax, proportional, artifactParamsSchema } from '../../../src/policy/artifact';
import { createRng } from '../../../src/policy/rng';
import { emptyStats } from '../../../src/policy/stats';
import { observedStats, snapshot, view } from './helpers';

const ctx = (seed = 1, configuredLifetime?: number) => ({ rng: createRng(seed), now: 0, configuredLifetime });
const artifact = (params: Record<string, unknown> = {}) => new ArtifactPolicy(artifactParamsSchema.parse(params));

function expectDistribution(p: number[]): void {
  for (const x of p) expect(x).to.be.within(0, 1);
  expect(p.reduce((a, b) => a + b, 0)).to.be.closeTo(1, 1e-12);
}

describe('artifact policy', () => {
  it('softmax and proportional choices are valid distributions, even for huge or zero scores', () => {
    expectDistribution(softmax([1e6, 1e6, 200, 0]));
    expectDistribution(softmax([5, 5, 5]));
    expectDistribution(proportional([0, 0, 0]));
    expectDistribution(proportional([3, 1]));
    expect(proportional([3, 1])).to.deep.equal([0.75, 0.25]);
  });

  it('starts cold with an empty pool and draws its checkpoint point within its lifetime and horizon', () => {
    const p = artifact({ horizon: 10 });
    const d = p.chooseStart(view(emptyStats(), []), ctx(1, 4));
    expect(d.source).to.deep.equal({ kind: 'cold' });
    expect(d.checkpointAt).to.be.within(1, 4);
    expect(d.retireAt).to.equal(10);
    // A worker restored at M-1 never checkpoints (L = 0).
    const { targets } = p.targetProbabilities(view(emptyStats(), []), ctx(1, 4), 9);
    expect(targets).to.deep.equal([]);
  });

  it('choice probabilities over pool + cold are valid and follow V (scale-dependent, flaw 1)', () => {
    const stats = observedStats((n) => 5 / n, 20, 50, 20, 1);
    const pool = [snapshot('a', 1), snapshot('b', 5), snapshot('c', 15)];
    const probs = artifact().startProbabilities(view(stats, pool), ctx(1, 1));
    expect(probs).to.have.length(4);
    expectDistribution(probs);
    // ℓ̂(16) = 0.3125 ms = 312 µs: V ≈ 3195 dominates every other V: effectively argmax.
    expect(probs[3]).to.be.above(0.999);
  });

  it('prunes lazily to round(p·N) + round(γ·R) entries, with replacement only in artifact mode', () => {
    const stats = observedStats((n) => 10 + n, 30, 50, 20, 1);
    const pool15 = Array.from({ length: 15 }, (_, i) => snapshot(`s${i}`, i + 1));
    expect(artifact().prune(view(stats, pool15.slice(0, 14)), ctx(), 'beforeStart')).to.deep.equal([]);
    expect(artifact().prune(view(stats, pool15), ctx(), 'afterSnapshot')).to.deep.equal([]);
    const exact = artifact({ withReplacement: false }).prune(view(stats, pool15), ctx(), 'beforeStart');
    expect(15 - exact.length).to.equal(7);
    // C = 12: at N = 13 keep round(5.2) + round(0.8) = 6.
    const c12 = artifact({ capacity: 12, withReplacement: false }).prune(view(stats, pool15.slice(0, 13)), ctx(), 'beforeStart');
    expect(13 - c12.length).to.equal(6);
    // With replacement, a survivor drawn twice counts once: never more than 7 kept, and the top 6 always stay.
    for (let seed = 1; seed <= 30; seed++) {
      const dropped = new Set(artifact().prune(view(stats, pool15), ctx(seed), 'beforeStart'));
      expect(15 - dropped.size).to.be.within(6, 7);
      for (const id of ['s0', 's1', 's2', 's3', 's4', 's5']) expect(dropped.has(id)).to.equal(false);
    }
  });

  it('prune keeps the ties of round-half-even (0.5 → 0, 2.5 → 2)', () => {
    const stats = observedStats((n) => 10 + n, 30, 50, 20, 1);
    // N = 5, p = 0.5 → round(2.5) = 2 kept by value; R = 3, γ = 0.5 → round(1.5) = 2 drawn: 4 kept.
    const p = artifact({ capacity: 4, p: 0.5, gamma: 0.5, withReplacement: false });
    const pool = Array.from({ length: 5 }, (_, i) => snapshot(`s${i}`, i + 1));
    expect(5 - p.prune(view(stats, pool), ctx(), 'beforeStart').length).to.equal(4);
  });
});
