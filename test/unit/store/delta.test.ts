import { expect } from 'chai';
import { DeltaBuilder, cellAdd, mergeMoments, mergeSlot, newCell, shiftCell } from '../../../src/store/delta';
import { slotAdd, welfordAdd } from '../../../src/policy/stats';
import { planActivation, type PlanConfig } from '../../../src/store/plan';
import type { ActivationFact, LineageRecord, SlotStats } from '../../../src/store/types';

const alpha = 0.5;
const oneAtATime = (start: SlotStats, xs: number[]) => xs.reduce((s, x) => slotAdd(s, x, alpha), start);
const cellOf = (xs: number[]) => {
  const c = newCell();
  for (const x of xs) cellAdd(c, x, alpha);
  return c;
};
const close = (a: SlotStats, b: SlotStats) => {
  expect(a.count).to.equal(b.count);
  for (const k of ['mean', 'm2', 'ewma'] as const) expect(a[k], k).to.be.closeTo(b[k], 1e-12 * Math.max(1, Math.abs(b[k])));
};
const empty: SlotStats = { count: 0, mean: 0, m2: 0, ewma: 0 };

describe('batch deltas', () => {
  it('gives exactly the one-at-a-time result for a cell never observed', () => {
    const xs = [12.5, 9.25, 30.125, 7, 7.5];
    expect(mergeSlot(empty, cellOf(xs))).to.deep.equal(oneAtATime(empty, xs));
  });

  it('continues an observed cell: one sample exactly (but m2), several up to rounding', () => {
    const stored = oneAtATime(empty, [20, 18, 17.5]);
    const one = mergeSlot(stored, cellOf([11]));
    const seq = oneAtATime(stored, [11]);
    expect(one).to.include({ count: seq.count, mean: seq.mean, ewma: seq.ewma });
    expect(one.m2).to.be.closeTo(seq.m2, 1e-12 * seq.m2);
    close(mergeSlot(stored, cellOf([11, 13.75, 9, 40, 10.5])), oneAtATime(stored, [11, 13.75, 9, 40, 10.5]));
  });

  it('leaves a cell alone for an empty delta, and merges plain moments like Welford', () => {
    const stored = oneAtATime(empty, [1, 2]);
    expect(mergeSlot(stored, newCell())).to.equal(stored);
    const m = [3, 4, 8].reduce(welfordAdd, { count: 0, mean: 0, m2: 0 });
    const merged = mergeMoments({ count: 2, mean: 1.5, m2: 0.5 }, m.count, m.mean, m.m2);
    const seq = [1, 2, 3, 4, 8].reduce(welfordAdd, { count: 0, mean: 0, m2: 0 });
    expect(merged.count).to.equal(5);
    expect(merged.mean).to.be.closeTo(seq.mean, 1e-12);
    expect(merged.m2).to.be.closeTo(seq.m2, 1e-12);
  });

  it('shifts a cell by a baseline as if every sample had been shifted', () => {
    const xs = [14, 11, 9.5];
    const stored = oneAtATime(empty, [2, 3]);
    close(mergeSlot(stored, shiftCell(cellOf(xs), 8.25)), oneAtATime(stored, xs.map((x) => x - 8.25)));
    close(mergeSlot(empty, shiftCell(cellOf(xs), 8.25)), oneAtATime(empty, xs.map((x) => x - 8.25)));
  });

  it('sums plans into counters, moments, curve cells and transient cells by baseline', () => {
    const cfg: PlanConfig = { slotOf: (n) => n, transientWindow: 2 };
    const f = (durationMs: number, initTimeMs = 0, statusCode = 0): ActivationFact => ({
      action: 'a/b', activationId: 'x', statusCode, durationMs, initTimeMs, waitTimeMs: 0, timestamp: 1000 + durationMs,
    });
    const lin = (requestNumber: number, requestsSinceStart: number, restored = false): LineageRecord => ({
      activationId: 'x', action: 'a/b', workerId: 'w', requestNumber, requestsSinceStart, recordedAt: 0,
      origin: restored ? { kind: 'snapshot', snapshotId: 's', requestNumber: requestNumber - requestsSinceStart } : { kind: 'cold' },
    });
    const b = new DeltaBuilder(alpha);
    for (const [fact, l] of [
      [f(60, 50), lin(1, 1)],
      [f(9), lin(2, 2)],
      [f(8), lin(2, 2)],
      [f(30), lin(11, 1, true)],
      [f(20), lin(12, 2, true)],
      [f(31), lin(11, 1, true)],
      [f(99, 0, 1), null],
    ] as [ActivationFact, LineageRecord | null][]) {
      b.add(planActivation(fact, l, cfg), fact.timestamp);
    }
    const d = b.delta;
    // activations, coldStarts, restores, errors, withLineage, withoutLineage
    expect(d.counters).to.deep.equal([7, 1, 2, 1, 6, 1]);
    expect(d.activations).to.equal(7);
    expect(d.latency.count).to.equal(6);
    expect(d.coldStart).to.deep.equal({ count: 1, mean: 50, m2: 0 });
    expect([...d.slots.keys()]).to.deep.equal([1, 2]);
    expect(d.slots.get(2)).to.deep.include({ n: 2, mean: 8.5 });
    expect([...d.transient.keys()]).to.deep.equal(['1:11', '2:12']);
    expect(d.transient.get('1:11')!.cell).to.deep.include({ n: 2, mean: 30.5 });
    expect(d.newestEventAt).to.equal(1099);
  });
});
