import { expect } from 'chai';
import { baselines, expectedLifetime, stepLookup } from '../../../src/status/estimate';
import { curve, input, moments, snapshot, warmingAction } from './fixtures';

describe('status: improvement estimate', () => {
  it('looks latency up as a step function over slot starts', () => {
    const f = stepLookup([
      { n: 1, count: 1, mean: 10, m2: 0 },
      { n: 2, count: 1, mean: 8, m2: 0 },
      { n: 10, count: 1, mean: 4, m2: 0 },
    ]);
    expect(f(0)).to.equal(10);
    expect(f(1)).to.equal(10);
    expect(f(2)).to.equal(8);
    expect(f(9)).to.equal(8); // inside the bucket starting at 2
    expect(f(10)).to.equal(4);
    expect(f(5000)).to.equal(4); // beyond the last slot the last value holds
  });

  it('is null while the curve is empty', () => {
    expect(baselines(input({ action: 'a/b' }))).to.equal(null);
  });

  it('uses a lifetime of one request before any worker was evicted, else the rounded mean', () => {
    expect(expectedLifetime(input({ action: 'a/b' }))).to.equal(1);
    expect(expectedLifetime(input({ action: 'a/b', lifetime: moments([3, 4]) }))).to.equal(4);
  });

  it('computes cold, fixed:1 and the best pool snapshot from the curve', () => {
    const a = warmingAction();
    const f = (n: number) => 2 + 18 * Math.exp(-n / 30);
    const window = (k: number) => f(k + 1) + f(k + 2) + f(k + 3) + f(k + 4);
    const b = baselines(a)!;
    expect(b.lifetimeRequests).to.equal(4);
    expect(b.coldMs).to.be.closeTo((50 + window(0)) / 4, 1e-9);
    expect(b.fixed1Ms).to.be.closeTo((10 + window(1)) / 4, 1e-9);
    expect(b.bestRequestNumber).to.equal(250);
    expect(b.pronghornMs).to.be.closeTo((10 + window(250)) / 4, 1e-9);
    expect(b.improvementPct).to.be.closeTo(((b.fixed1Ms - b.pronghornMs) / b.fixed1Ms) * 100, 1e-9);
    expect(b.improvementPct).to.be.greaterThan(50);
  });

  it('prefers a cold start when restores cost more than they save (flat curve)', () => {
    const a = input({
      action: 'guest/upload',
      curve: curve([1, 2, 3, 4, 5, 6], () => 5),
      coldStart: moments([1]),
      restore: moments([20]),
      lifetime: moments([2]),
      pool: [snapshot('guest/upload', 1), snapshot('guest/upload', 3)],
    });
    const b = baselines(a)!;
    expect(b.bestRequestNumber).to.equal(0);
    expect(b.pronghornMs).to.be.closeTo((1 + 10) / 2, 1e-9);
    expect(b.fixed1Ms).to.be.closeTo((20 + 10) / 2, 1e-9);
  });

  it("uses a snapshot's own restore time when measured, and adds the restore transient", () => {
    const a = input({
      action: 'guest/x',
      curve: curve([1, 2, 3], () => 4),
      transient: curve([1], () => 1),
      coldStart: moments([100]),
      restore: moments([10]),
      pool: [snapshot('guest/x', 2, 3)],
    });
    const b = baselines(a)!;
    expect(b.pronghornMs).to.be.closeTo(3 + 4 + 1, 1e-9);
    expect(b.fixed1Ms).to.be.closeTo(10 + 4 + 1, 1e-9);
  });

  it('breaks ties toward the later snapshot', () => {
    const a = input({
      action: 'guest/x',
      curve: curve([1, 2, 3, 4, 5], () => 4),
      coldStart: moments([100]),
      restore: moments([10]),
      pool: [snapshot('guest/x', 4), snapshot('guest/x', 2)],
    });
    expect(baselines(a)!.bestRequestNumber).to.equal(4);
  });
});

describe('status: improvement estimate without a measured cold start', () => {
  it('does not let an unmeasured cold start win over a pool snapshot', () => {
    const a = input({ action: 'guest/x', curve: curve([1, 2, 3], () => 4), restore: moments([10]), pool: [snapshot('guest/x', 2)] });
    const b = baselines(a)!;
    expect(b.bestRequestNumber).to.equal(2);
    expect(b.pronghornMs).to.be.closeTo(14, 1e-9);
  });
});
