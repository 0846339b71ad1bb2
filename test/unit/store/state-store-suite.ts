/**
 * The behaviour every StateStore must show, run against the in-memory store (unit) and the Redis store
 * (integration). Expected statistics are computed independently with the policy's own arithmetic
 * (src/policy/stats.ts), so a store that drifts from the simulator fails here.
 */
import { expect } from 'chai';
import type { ActivationFact, LineageRecord, SlotEntry, SnapshotRecord, StateStore, WorkerOrigin } from '../../../src/store/types';
import type { StoreOptions } from '../../../src/store/options';
import { emptyStats, recordRequest, slotOf, welfordAdd } from '../../../src/policy/stats';

export type StoreFactory = (opts?: Partial<StoreOptions>) => Promise<StateStore>;

let seq = 0;
const id = () => (++seq).toString(16).padStart(32, '0');

export function fact(action: string, over: Partial<ActivationFact> = {}): ActivationFact {
  return { action, activationId: id(), statusCode: 0, durationMs: 10, initTimeMs: 0, waitTimeMs: 1, timestamp: Date.now(), ...over };
}

export function lineage(f: ActivationFact, requestNumber: number, requestsSinceStart: number, origin: WorkerOrigin = { kind: 'cold' }): LineageRecord {
  return { activationId: f.activationId, action: f.action, workerId: 'w1', requestNumber, requestsSinceStart, origin, recordedAt: f.timestamp };
}

function snapshot(action: string, snapshotId: string, requestNumber: number): SnapshotRecord {
  return { snapshotId, action, node: 'n1', requestNumber, bytes: 16_000_000, dumpMs: 110.25, restoreMs: 0, createdAt: 1_700_000_000_000, parentSnapshotId: null };
}

/** Deterministic pseudo-random numbers (xorshift) so both stores see the same stream. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

/** Curve cells equal to the policy's one-at-a-time arithmetic up to rounding (relative 1e-9). */
function expectCellsClose(actual: SlotEntry[], expected: SlotEntry[]): void {
  expect(actual.map((e) => [e.slot, e.count])).to.deep.equal(expected.map((e) => [e.slot, e.count]));
  actual.forEach((e, k) => {
    const x = expected[k];
    for (const field of ['mean', 'm2', 'ewma'] as const) {
      expect(e[field], `slot ${e.slot} ${field}`).to.be.closeTo(x[field], 1e-9 * Math.max(1, Math.abs(x[field])));
    }
  });
}

export function stateStoreSuite(name: string, factory: StoreFactory, actionPrefix = 'suite'): void {
  describe(`StateStore contract: ${name}`, () => {
    let store: StateStore;
    let n = 0;
    let action: string;
    beforeEach(async () => {
      action = `${actionPrefix}${++n}/pkg/act`;
    });
    afterEach(async () => {
      await store?.close();
    });

    it('returns zero statistics for an action it never saw', async () => {
      store = await factory();
      const s = await store.getActionStats(action);
      expect(s.activations).to.equal(0);
      expect(s.slots).to.deep.equal([]);
      expect(s.latency).to.deep.equal({ count: 0, mean: 0, m2: 0 });
    });

    it('updates action-level statistics from activations without lineage', async () => {
      store = await factory();
      const facts = [
        fact(action, { durationMs: 120, initTimeMs: 100 }),
        fact(action, { durationMs: 30 }),
        fact(action, { durationMs: 50, statusCode: 2 }),
      ];
      const res = await store.ingestActivations(facts, { deferMissingLineage: false });
      expect(res).to.include({ applied: 3, duplicates: 0, withLineage: 0, withoutLineage: 3 });
      const s = await store.getActionStats(action);
      expect(s).to.include({ activations: 3, coldStarts: 1, errors: 1, withoutLineage: 3, withLineage: 0, restores: 0 });
      // Execution latency excludes initTime; failed activations are not measured.
      expect(s.latency).to.deep.equal(welfordAdd(welfordAdd({ count: 0, mean: 0, m2: 0 }, 20), 30));
      expect(s.coldStart).to.deep.equal({ count: 1, mean: 100, m2: 0 });
      expect(s.slots).to.deep.equal([]);
      expect(s.lastEventAt).to.equal(Math.max(...facts.map((f) => f.timestamp)));
    });

    it('joins lineage and builds the curve per request number as the policy computes it (equal up to rounding)', async () => {
      store = await factory({ transientWindow: 3 });
      const next = rng(42);
      const expected = emptyStats();
      const facts: ActivationFact[] = [];
      // Three cold workers of 40 requests, then two restored from n = 20 serving 10 each.
      const workers: { origin: WorkerOrigin; start: number; count: number }[] = [
        { origin: { kind: 'cold' }, start: 0, count: 40 },
        { origin: { kind: 'cold' }, start: 0, count: 40 },
        { origin: { kind: 'cold' }, start: 0, count: 40 },
        { origin: { kind: 'snapshot', snapshotId: 's20', requestNumber: 20 }, start: 20, count: 10 },
        { origin: { kind: 'snapshot', snapshotId: 's20', requestNumber: 20 }, start: 20, count: 10 },
      ];
      for (const w of workers) {
        for (let j = 1; j <= w.count; j++) {
          const requestNumber = w.start + j;
          const latency = 5 + 50 * Math.exp(-requestNumber / 10) + next() * 3.3;
          const f = fact(action, { durationMs: latency });
          facts.push(f);
          await store.recordLineage(lineage(f, requestNumber, j, w.origin));
          recordRequest(expected, { requestNumber, requestsSinceStart: j, origin: w.origin, latencyMs: latency }, { transientWindow: 3, alpha: 0.5 });
        }
      }
      // Two batches, to cross batch boundaries.
      await store.ingestActivations(facts.slice(0, 77), { deferMissingLineage: true });
      await store.ingestActivations(facts.slice(77), { deferMissingLineage: true });
      const s = await store.getActionStats(action);
      expect(s.activations).to.equal(facts.length);
      expect(s.withLineage).to.equal(facts.length);
      expect(s.restores).to.equal(2);
      // A batch's samples of one cell are merged at once, so sums round differently from one-at-a-time.
      expectCellsClose(s.slots, expected.slots);
      expectCellsClose(s.transient, expected.transient);
      expect(s.transient.map((t) => t.slot)).to.deep.equal([1, 2, 3]);
      expect(s.slots.find((e) => e.slot === slotOf(21))?.count).to.equal(3 + 0); // restored workers' first 3 requests are transient
      expect(s.slots.find((e) => e.slot === slotOf(24))?.count).to.equal(5);
    });

    it('never counts a redelivered event twice: each stream has a watermark of its own', async () => {
      store = await factory();
      const at = Date.now();
      const from = (stream: string, offset: number, over: Partial<ActivationFact> = {}) => fact(action, { stream, offset, timestamp: at + offset, durationMs: offset, ...over });
      const p0 = [1, 2, 3, 4, 5].map((o) => from('events:0', o));
      expect(await store.ingestActivations(p0.slice(0, 3), { deferMissingLineage: false })).to.include({ applied: 3, duplicates: 0 });
      // Redelivered from a commit before the last batch: the known part is dropped, the rest applied.
      expect(await store.ingestActivations(p0.slice(1), { deferMissingLineage: false })).to.include({ applied: 2, duplicates: 2, rewound: 0 });
      expect(await store.ingestActivations(p0, { deferMissingLineage: false })).to.include({ applied: 0, duplicates: 5 });
      // The same offsets in another partition are other events.
      const p1 = [1, 2].map((o) => from('events:1', o));
      expect(await store.ingestActivations(p1, { deferMissingLineage: false })).to.include({ applied: 2, duplicates: 0 });
      // Events without a stream (no offset known) are always applied.
      expect(await store.ingestActivations([fact(action, { durationMs: 9 })], { deferMissingLineage: false })).to.include({ applied: 1, duplicates: 0 });
      const s = await store.getActionStats(action);
      expect(s.activations).to.equal(8);
      expect(s.latency.count).to.equal(8);
      expect(s.latency.mean).to.be.closeTo((1 + 2 + 3 + 4 + 5 + 1 + 2 + 9) / 8, 1e-12);
    });

    it('applies events of a stream that restarted at lower offsets (newer than everything applied) and follows it down', async () => {
      store = await factory();
      const at = Date.now();
      const first = [100, 101, 102].map((o) => fact(action, { stream: 'events:0', offset: o, timestamp: at + o }));
      await store.ingestActivations(first, { deferMissingLineage: false });
      // The topic was recreated: offsets start at 0 again, the events are newer than any applied.
      const later = [0, 1].map((o) => fact(action, { stream: 'events:0', offset: o, timestamp: at + 1000 + o }));
      expect(await store.ingestActivations(later, { deferMissingLineage: false })).to.include({ applied: 2, duplicates: 0, rewound: 2 });
      // From there on the new offsets are the watermark: offset 1 again is a redelivery, offset 2 is new.
      const next = fact(action, { stream: 'events:0', offset: 2, timestamp: at + 1002 });
      expect(await store.ingestActivations([later[1], next], { deferMissingLineage: false })).to.include({ applied: 1, duplicates: 1, rewound: 0 });
      expect((await store.getActionStats(action)).activations).to.equal(6);
    });

    it('holds back the rest of a stream behind a late lineage, so its watermark never passes an unapplied event', async () => {
      store = await factory();
      const at = Date.now();
      const [a, b, c] = [1, 2, 3].map((o) => fact(action, { stream: 'events:0', offset: o, timestamp: at + o, durationMs: 10 * o }));
      await store.recordLineage(lineage(a, 1, 1));
      await store.recordLineage(lineage(c, 3, 3));
      const res = await store.ingestActivations([a, b, c], { deferMissingLineage: true });
      expect(res).to.include({ applied: 1, duplicates: 0 });
      expect(res.pending.map((f) => f.offset)).to.deep.equal([2, 3]);
      await store.recordLineage(lineage(b, 2, 2));
      expect(await store.ingestActivations(res.pending, { deferMissingLineage: true })).to.include({ applied: 2, withLineage: 2 });
      // A replay of all three is recognised as such.
      expect(await store.ingestActivations([a, b, c], { deferMissingLineage: true })).to.include({ applied: 0, duplicates: 3 });
      expect((await store.getActionStats(action)).slots.map((e) => [e.slot, e.count])).to.deep.equal([[1, 1], [2, 1], [3, 1]]);
    });

    it('holds back an activation whose lineage is late while the agent writes lineage for the action', async () => {
      store = await factory();
      const withLin = fact(action, { durationMs: 7 });
      await store.recordLineage(lineage(withLin, 1, 1));
      const late = fact(action, { durationMs: 9 });
      const res = await store.ingestActivations([withLin, late], { deferMissingLineage: true });
      expect(res.applied).to.equal(1);
      expect(res.pending.map((p) => p.activationId)).to.deep.equal([late.activationId]);
      await store.recordLineage(lineage(late, 2, 2));
      const retry = await store.ingestActivations(res.pending, { deferMissingLineage: true });
      expect(retry).to.include({ applied: 1, withLineage: 1 });
      const s = await store.getActionStats(action);
      expect(s.slots.map((e) => [e.slot, e.mean])).to.deep.equal([[1, 7], [2, 9]]);
    });

    it('does not wait for lineage of actions the agent never wrote lineage for, nor when told not to', async () => {
      store = await factory();
      const res = await store.ingestActivations([fact(action)], { deferMissingLineage: true });
      expect(res).to.include({ applied: 1, withoutLineage: 1 });
      expect(res.pending).to.have.length(0);
      const a = fact(action);
      await store.recordLineage(lineage(a, 1, 1));
      const forced = await store.ingestActivations([fact(action)], { deferMissingLineage: false });
      expect(forced).to.include({ applied: 1, withoutLineage: 1 });
    });

    it('stores lineage and workers, deriving restore cost and lifetime once per worker', async () => {
      store = await factory();
      const f = fact(action);
      const lin = lineage(f, 5, 1, { kind: 'snapshot', snapshotId: 'snapA', requestNumber: 4 });
      await store.recordLineage(lin);
      expect(await store.getLineage(action, f.activationId)).to.deep.equal(lin);
      expect(await store.getLineage(action, 'missing')).to.equal(null);

      await store.addSnapshot(snapshot(action, 'snapA', 4));
      const w = { workerId: 'w9', action, node: 'n1', origin: { kind: 'snapshot', snapshotId: 'snapA', requestNumber: 4 } as WorkerOrigin, startMs: 62.5, startedAt: 1 };
      await store.putWorker(w);
      await store.putWorker(w); // an update of the same worker is not a second restore
      await store.putWorker({ ...w, endedAt: 2, requestsServed: 17 });
      await store.putWorker({ ...w, endedAt: 3, requestsServed: 17 });
      expect(await store.getWorker(action, 'w9')).to.deep.equal({ ...w, endedAt: 3, requestsServed: 17 });
      expect(await store.getWorker(action, 'nope')).to.equal(null);
      expect(await store.listWorkers(action)).to.have.length(1);
      const s = await store.getActionStats(action);
      expect(s.restore).to.deep.equal({ count: 1, mean: 62.5, m2: 0 });
      expect(s.lifetime).to.deep.equal({ count: 1, mean: 17, m2: 0 });
      const [snap] = await store.listSnapshots(action);
      expect(snap.restoreMs).to.equal(62.5);
    });

    it('keeps a snapshot pool per action', async () => {
      store = await factory();
      await store.addSnapshot(snapshot(action, 'b', 20));
      await store.addSnapshot(snapshot(action, 'a', 10));
      await store.addSnapshot(snapshot(`${action}x`, 'c', 5));
      expect((await store.listSnapshots(action)).map((s) => s.snapshotId)).to.deep.equal(['a', 'b']);
      expect(await store.listSnapshots(action)).to.deep.equal([snapshot(action, 'a', 10), snapshot(action, 'b', 20)]);
      expect(await store.removeSnapshot(action, 'a')).to.equal(true);
      expect(await store.removeSnapshot(action, 'a')).to.equal(false);
      const view = await store.getActionState(action);
      expect(view.pool.map((s) => s.snapshotId)).to.deep.equal(['b']);
      expect(view.stats.action).to.equal(action);
    });

    it('keeps a capped decision log, newest first', async () => {
      store = await factory({ decisionLogSize: 3 });
      for (let i = 1; i <= 5; i++) await store.appendDecision(action, { at: i, kind: 'start', detail: `d${i}` });
      const log = await store.listDecisions(action, 10);
      expect(log.map((d) => d.at)).to.deep.equal([5, 4, 3]);
      expect(log[0]).to.deep.equal({ at: 5, kind: 'start', detail: 'd5' });
      expect(await store.listDecisions(action, 1)).to.have.length(1);
    });

    it('lists actions with summary counters', async () => {
      store = await factory();
      await store.ingestActivations([fact(action, { initTimeMs: 3, durationMs: 9 }), fact(action)], { deferMissingLineage: false });
      await store.addSnapshot(snapshot(action, 's1', 3));
      const row = (await store.listActions()).find((r) => r.action === action);
      expect(row).to.deep.include({ action, activations: 2, coldStarts: 1, restores: 0, snapshots: 1 });
      expect(await store.ping()).to.equal(true);
    });
  });
}
