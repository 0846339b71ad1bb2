import { expect } from 'chai';
import { welfordAdd, ewmaAdd, slotAdd, variance, slotOf, slotBounds, roundHalfEven, emptyMoments, emptyStats, recordRequest } from '../../../src/policy/stats';
import { createRng } from '../../../src/policy/rng';

describe('policy statistics', () => {
  it('Welford gives the exact mean and sample variance without rounding', () => {
    const xs = [0.25, 1.5, 3.125, 7.75, 0.001];
    let m = emptyMoments();
    for (const x of xs) m = welfordAdd(m, x);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
    expect(m.count).to.equal(5);
    expect(m.mean).to.be.closeTo(mean, 1e-12);
    expect(variance(m)).to.be.closeTo(v, 1e-12);
  });

  it('EWMA takes the first sample as is, then weights the newest by alpha', () => {
    expect(ewmaAdd(0, 0, 10)).to.equal(10);
    expect(ewmaAdd(10, 1, 20, 0.5)).to.equal(15);
    const s = slotAdd(slotAdd({ count: 0, mean: 0, m2: 0, ewma: 0 }, 4), 8);
    expect(s).to.deep.equal({ count: 2, mean: 6, m2: 8, ewma: 6 });
  });

  it('slotOf is exact up to 512, monotone and contiguous beyond, and slotBounds inverts it', () => {
    for (let n = 1; n <= 512; n++) expect(slotOf(n)).to.equal(n);
    let previous = slotOf(512);
    const bad: number[] = [];
    for (let n = 513; n <= 300000; n++) {
      const s = slotOf(n);
      const [lo, hi] = slotBounds(s);
      if ((s - previous !== 0 && s - previous !== 1) || n < lo || n > hi) bad.push(n);
      previous = s;
    }
    expect(bad).to.deep.equal([]);
    // Coarse buckets stay narrow relative to n.
    const [lo, hi] = slotBounds(slotOf(100000));
    expect((hi - lo + 1) / 100000).to.be.below(0.02);
  });

  it('roundHalfEven matches Python round() on ties', () => {
    expect([0.5, 1.5, 2.5, 3.5, -0.5, 2.4, 2.6, 6].map(roundHalfEven)).to.deep.equal([0, 2, 2, 4, 0, 2, 3, 6]);
    expect(roundHalfEven(0.4 * 15)).to.equal(6);
  });

  it('recordRequest keeps slots sorted and sets restore transients apart when asked', () => {
    const s = emptyStats();
    for (const n of [5, 2, 9, 2]) recordRequest(s, { requestNumber: n, requestsSinceStart: 1, origin: { kind: 'cold' }, latencyMs: n });
    expect(s.slots.map((e) => e.slot)).to.deep.equal([2, 5, 9]);
    expect(s.slots[0].count).to.equal(2);
    const restored = { kind: 'snapshot' as const, snapshotId: 'x', requestNumber: 4 };
    recordRequest(s, { requestNumber: 5, requestsSinceStart: 1, origin: restored, latencyMs: 8 }, { transientWindow: 10, alpha: 0.5 });
    expect(s.transient).to.have.length(1);
    expect(s.transient[0].mean).to.equal(3);
    expect(s.slots.find((e) => e.slot === 5)!.count).to.equal(1);
  });

  it('the seeded RNG repeats itself and its Gaussians look standard', () => {
    const a = createRng(42);
    const b = createRng(42);
    const xs = Array.from({ length: 20000 }, () => a.gaussian());
    expect(xs.slice(0, 5)).to.deep.equal(Array.from({ length: 5 }, () => b.gaussian()));
    const mean = xs.reduce((p, x) => p + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((p, x) => p + (x - mean) ** 2, 0) / xs.length);
    expect(mean).to.be.closeTo(0, 0.03);
    expect(sd).to.be.closeTo(1, 0.03);
    expect(createRng(43).next()).to.not.equal(createRng(42).next());
  });
});
