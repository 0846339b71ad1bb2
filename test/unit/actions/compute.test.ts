import { expect } from 'chai';
import { requireAction, run } from './helpers';

describe('compute actions', () => {
  describe('hash', () => {
    /** The paper's hash with exact integers, wrapped to a signed 32-bit value at the end. */
    function referenceHash(bytes: Int8Array): number {
      let h = 7n;
      for (const b of bytes) for (let k = 0; k < 4; k++) h = (h * 31n + BigInt(b)) % (1n << 32n);
      return Number(BigInt.asIntN(32, h));
    }

    it('equals an exact-integer computation of the 31-multiplier hash', async () => {
      const buildBytes = requireAction('hash').buildBytes as (seed: number, size: number) => Int8Array;
      const bytes = buildBytes(42, 5000);
      expect(bytes).to.have.length(5000);
      expect(Math.min(...bytes)).to.be.below(-100);
      expect(Math.max(...bytes)).to.be.above(100);
      expect(await run('hash', { seed: 42, size: 5000 })).to.deep.equal({ bytes: 5000, hash: referenceHash(bytes) });
    });

    it('reproduces a hand-checked value: bytes [1, 2] give -1402318393', () => {
      expect(referenceHash(new Int8Array([1, 2]))).to.equal(-1402318393);
    });
  });

  describe('word-count', () => {
    it('counts like an independent split-and-tally of the same lines', async () => {
      const lines = (requireAction('word-count').buildLines as (seed: number, size: number) => string[])(3, 2500);
      const tally: Record<string, number> = {};
      let words = 0;
      for (const w of lines.join('\n').split(/\s+/).filter(Boolean)) {
        tally[w] = (tally[w] ?? 0) + 1;
        words++;
      }
      const top = Object.entries(tally)
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, 10)
        .map(([word, count]) => ({ word, count }));
      const result = await run('word-count', { seed: 3, size: 2500 });
      expect(result).to.deep.equal({ lines: 2500, words, distinct: Object.keys(tally).length, top });
      expect(lines.every((l) => l.split(' ').length >= 4 && l.split(' ').length <= 16)).to.equal(true);
    });
  });

  describe('matrix-multiplication', () => {
    const build = requireAction('matrix-multiplication').buildMatrices as (seed: number, d: number) => { a: Int32Array; b: Int32Array };

    it('matches a naive triple loop for a small dimension', async () => {
      const d = 7;
      const { a, b } = build(5, d);
      let checksum = 0;
      let trace = 0;
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
        let c = 0;
        for (let k = 0; k < d; k++) c += a[i * d + k] * b[k * d + j];
        checksum += c;
        if (i === j) trace += c;
      }
      expect(await run('matrix-multiplication', { seed: 5, size: d })).to.deep.equal({ dimension: d, checksum, trace });
    });

    it('has the checksum sum_k colsum(A)_k * rowsum(B)_k at the paper sizes', async () => {
      const d = 120;
      const { a, b } = build(9, d);
      let expected = 0;
      for (let k = 0; k < d; k++) {
        let col = 0;
        let row = 0;
        for (let i = 0; i < d; i++) col += a[i * d + k];
        for (let j = 0; j < d; j++) row += b[k * d + j];
        expected += col * row;
      }
      expect((await run('matrix-multiplication', { seed: 9, size: d })).checksum).to.equal(expected);
    });
  });
});
