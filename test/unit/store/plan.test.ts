import { expect } from 'chai';
import { countersOf, planActivation, type PlanConfig } from '../../../src/store/plan';
import type { ActivationFact, LineageRecord } from '../../../src/store/types';

const cfg: PlanConfig = { slotOf: (n) => Math.min(n, 50), transientWindow: 3 };
const fact: ActivationFact = {
  action: 'guest/hash', activationId: 'a'.repeat(32), statusCode: 0, durationMs: 12, initTimeMs: 0, waitTimeMs: 1, timestamp: 1_000,
};
const cold: LineageRecord = {
  activationId: fact.activationId, action: fact.action, workerId: 'wk-1', requestNumber: 7, requestsSinceStart: 7, origin: { kind: 'cold' }, recordedAt: 1_000,
};
const restored = (requestNumber: number, requestsSinceStart: number): LineageRecord => ({
  ...cold, requestNumber, requestsSinceStart, origin: { kind: 'snapshot', snapshotId: 'snap-1', requestNumber: requestNumber - requestsSinceStart },
});

describe('ingest plan', () => {
  it('counts a cold start and puts its execution time (duration minus init) on the curve', () => {
    const plan = planActivation({ ...fact, durationMs: 250, initTimeMs: 200 }, { ...cold, requestNumber: 1, requestsSinceStart: 1 }, cfg);
    expect(countersOf(plan)).to.deep.equal(['activations', 'coldStarts', 'withLineage']);
    expect(plan).to.include({ latencyMs: 50, coldStartMs: 200, curve: 'slot', index: 1 });
  });

  it('counts a restore on the first request of a restored worker and keeps its early requests off the curve', () => {
    const first = planActivation(fact, restored(21, 1), cfg);
    expect(countersOf(first)).to.deep.equal(['activations', 'restores', 'withLineage']);
    expect(first).to.include({ curve: 'transient', index: 1, baselineSlot: 21, coldStartMs: null });
    const third = planActivation(fact, restored(23, 3), cfg);
    expect(countersOf(third)).to.deep.equal(['activations', 'withLineage']);
    expect(third).to.include({ curve: 'transient', index: 3, baselineSlot: 23 });
    const later = planActivation(fact, restored(24, 4), cfg);
    expect(later).to.include({ curve: 'slot', index: 24 });
  });

  it('leaves failed activations and activations without lineage off the curve', () => {
    const failed = planActivation({ ...fact, statusCode: 2 }, cold, cfg);
    expect(countersOf(failed)).to.deep.equal(['activations', 'errors', 'withLineage']);
    expect(failed).to.include({ latencyMs: null, curve: null });
    const unjoined = planActivation(fact, null, cfg);
    expect(countersOf(unjoined)).to.deep.equal(['activations', 'withoutLineage']);
    expect(unjoined).to.include({ latencyMs: 12, curve: null });
  });
});
