/**
 * Teaches a real store what the sidecar would after a short run of a JIT-like action: cold workers,
 * snapshots, restored workers, evictions and decisions, all through the StateStore API.
 */
import type { ActivationFact, StateStore, WorkerOrigin } from '../../../src/store/types';

let seq = 0;
const activationId = () => (++seq).toString(16).padStart(32, '0');

/** Execution latency (ms) of request number n: 20 ms falling to 2 ms. */
export const warmCurve = (n: number) => 2 + 18 * Math.exp(-n / 25);

export async function populateWarmingAction(store: StateStore, action: string): Promise<void> {
  const now = Date.now();
  const workers: { id: string; origin: WorkerOrigin; start: number; count: number; startMs: number }[] = [
    { id: 'w1', origin: { kind: 'cold' }, start: 0, count: 60, startMs: 45 },
    { id: 'w2', origin: { kind: 'cold' }, start: 0, count: 60, startMs: 48 },
    { id: 'w3', origin: { kind: 'snapshot', snapshotId: 'snap-40', requestNumber: 40 }, start: 40, count: 50, startMs: 9 },
    { id: 'w4', origin: { kind: 'snapshot', snapshotId: 'snap-80', requestNumber: 80 }, start: 80, count: 40, startMs: 11 },
  ];
  const facts: ActivationFact[] = [];
  for (const w of workers) {
    await store.putWorker({ workerId: w.id, action, node: 'node-a', origin: w.origin, startMs: w.startMs, startedAt: now });
    for (let j = 1; j <= w.count; j++) {
      const n = w.start + j;
      const exec = warmCurve(n);
      const cold = w.origin.kind === 'cold' && j === 1;
      const f: ActivationFact = {
        action,
        activationId: activationId(),
        statusCode: 0,
        initTimeMs: cold ? w.startMs : 0,
        durationMs: exec + (cold ? w.startMs : 0),
        waitTimeMs: 2,
        timestamp: now + j,
      };
      facts.push(f);
      await store.recordLineage({ activationId: f.activationId, action, workerId: w.id, requestNumber: n, requestsSinceStart: j, origin: w.origin, recordedAt: f.timestamp });
    }
    await store.putWorker({ workerId: w.id, action, node: 'node-a', origin: w.origin, startMs: w.startMs, startedAt: now, endedAt: now + 1000, requestsServed: w.count });
  }
  await store.ingestActivations(facts, { deferMissingLineage: false });
  for (const [k, parent] of [[40, null], [80, 'snap-40']] as const) {
    await store.addSnapshot({ snapshotId: `snap-${k}`, action, node: 'node-a', requestNumber: k, bytes: 17_000_000, dumpMs: 105, restoreMs: 10, createdAt: now, parentSnapshotId: parent });
  }
  await store.appendDecision(action, { at: now, kind: 'start', source: 'cold', reason: 'pool empty' });
  await store.appendDecision(action, { at: now + 1, kind: 'snapshot', requestNumber: 40 });
  await store.appendDecision(action, { at: now + 2, kind: 'start', source: 'snapshot', requestNumber: 80 });
}
