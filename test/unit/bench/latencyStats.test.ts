import { expect } from 'chai';
import { convergenceRequests, geometricMean, improvementPct, median, paperConvergence, quantile } from '../../../src/bench/latencyStats';

describe('bench latency statistics', () => {
  it('computes quantiles by linear interpolation', () => {
    expect(median([3, 1, 2])).to.equal(2);
    expect(median([1, 2, 3, 4])).to.equal(2.5);
    expect(quantile([0, 10], 0.99)).to.be.closeTo(9.9, 1e-9);
    expect(Number.isNaN(median([]))).to.equal(true);
  });

  it('measures improvement over the baseline as the paper does', () => {
    expect(improvementPct(10, 6)).to.equal(40);
    expect(improvementPct(10, 11)).to.be.closeTo(-10, 1e-9);
  });

  it('finds convergence where a decaying curve enters the band around its tail', () => {
    const curve = Array.from({ length: 500 }, (_, n) => 1 + 4 * Math.exp(-n / 30));
    const c = convergenceRequests(curve, paperConvergence) as number;
    // 4·e^(−x/30) ≤ 0.02 at x ≈ 159; the window median sits ~10 requests later than its start.
    expect(c).to.be.within(140, 160);
    expect(convergenceRequests(Array(500).fill(5))).to.equal(0);
    expect(convergenceRequests([1, 2, 3])).to.equal(null);
    // The bench's ±5 % band is reached earlier: 4·e^(−x/30) ≤ 0.05 at x ≈ 131.
    expect(convergenceRequests(curve) as number).to.be.within(112, 132);
  });

  it('computes geometric means', () => {
    expect(geometricMean([10, 40])).to.be.closeTo(20, 1e-9);
  });
});
