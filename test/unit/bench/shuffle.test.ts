import { expect } from 'chai';
import { shuffled } from '../../../src/bench/runner';
import { createRng } from '../../../src/policy';

describe('bench: the cell order per request', () => {
  const cells = ['cold', 'fixed:1', 'artifact', 'pronghorn'];

  it('is a permutation of the cells, and the input is left as it was', () => {
    const rng = createRng(42);
    for (let i = 0; i < 50; i++) expect(shuffled(cells, rng)).to.have.members(cells).and.have.length(4);
    expect(cells).to.deep.equal(['cold', 'fixed:1', 'artifact', 'pronghorn']);
  });

  it('is the same for the same seed', () => {
    const a = createRng(7);
    const b = createRng(7);
    for (let i = 0; i < 20; i++) expect(shuffled(cells, a)).to.deep.equal(shuffled(cells, b));
  });

  it('puts every cell in every position and after every other cell, about equally often', () => {
    const rng = createRng(1);
    const rounds = 4000;
    const position = new Map<string, number[]>(cells.map((c) => [c, [0, 0, 0, 0]]));
    const after = new Map<string, number>();
    for (let i = 0; i < rounds; i++) {
      const order = shuffled(cells, rng);
      order.forEach((c, p) => position.get(c)![p]++);
      for (let p = 1; p < order.length; p++) after.set(`${order[p - 1]}>${order[p]}`, (after.get(`${order[p - 1]}>${order[p]}`) ?? 0) + 1);
    }
    // Each (cell, position) is expected rounds/4 = 1000 times (sd ≈ 27); each ordered pair 3/12 · rounds = 1000.
    for (const counts of position.values()) for (const n of counts) expect(n).to.be.within(850, 1150);
    expect(after.size).to.equal(12);
    for (const n of after.values()) expect(n).to.be.within(850, 1150);
  });
});
