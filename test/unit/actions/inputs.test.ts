import { expect } from 'chai';
import { ACTION_NAMES, BENCHMARK_INPUTS, InputGenerator, SeededRandom, drawSize, sizeSd } from '../../../src/bench/inputs';
import { median, quantile } from '../../../src/bench/latencyStats';

describe('benchmark inputs', () => {
  it('covers the 13 benchmarks of the paper', () => {
    expect(ACTION_NAMES).to.have.length(13);
    expect(new Set(ACTION_NAMES).size).to.equal(13);
    for (const b of BENCHMARK_INPUTS) {
      expect(b.paper.min, b.action).to.be.at.most(b.paper.max);
      expect(b.bench.min, b.action).to.be.at.most(b.bench.max);
    }
  });

  it('draws sizes around the middle of the range with sd (max-min)/6, clipped to the range', () => {
    const random = new SeededRandom(42);
    const range = { min: 10, max: 1000 };
    const sizes = Array.from({ length: 20000 }, () => drawSize(random, range));
    expect(Math.min(...sizes)).to.be.at.least(10);
    expect(Math.max(...sizes)).to.be.at.most(1000);
    expect(median(sizes)).to.be.closeTo(505, 5);
    // Interquartile range of a Gaussian is 1.349 sd.
    const iqr = quantile(sizes, 0.75) - quantile(sizes, 0.25);
    expect(iqr / 1.349).to.be.closeTo(sizeSd(range), 5);
    for (const s of sizes) expect(Number.isInteger(s)).to.equal(true);
  });

  it('clips to the bounds when mutability makes the spread wide', () => {
    const random = new SeededRandom(7);
    const sizes = Array.from({ length: 2000 }, () => drawSize(random, { min: 100, max: 400 }, 100));
    expect(sizes.filter((s) => s === 100).length).to.be.greaterThan(500);
    expect(sizes.filter((s) => s === 400).length).to.be.greaterThan(500);
    expect(sizes.every((s) => s >= 100 && s <= 400)).to.equal(true);
  });

  it('gives the same sequence for the same seed and another for another seed', () => {
    const a = new InputGenerator('hash', { seed: 42 });
    const b = new InputGenerator('hash', { seed: 42 });
    const c = new InputGenerator('hash', { seed: 43 });
    const seqA = Array.from({ length: 50 }, () => a.next());
    const seqB = Array.from({ length: 50 }, () => b.next());
    const seqC = Array.from({ length: 50 }, () => c.next());
    expect(seqA).to.deep.equal(seqB);
    expect(seqA.map((p) => p.size)).to.not.deep.equal(seqC.map((p) => p.size));
    expect(new Set(seqA.map((p) => p.seed)).size).to.equal(50);
  });

  it('adds the lighter benchmark params and service params only where asked', () => {
    const paper = new InputGenerator('thumbnail').next();
    const bench = new InputGenerator('thumbnail', { ranges: 'bench' }).next();
    expect(paper).to.not.have.property('width');
    expect(bench).to.include({ width: 160, height: 120 });
    const upload = new InputGenerator('upload', { serviceParams: { endpoint: 'http://127.0.0.1:1/b' } }).next();
    expect(upload).to.include({ endpoint: 'http://127.0.0.1:1/b', size: 2400000 });
  });

  it('rejects unknown actions with the list of known ones', () => {
    expect(() => new InputGenerator('nope')).to.throw(/unknown benchmark action "nope".*bfs/);
  });
});
