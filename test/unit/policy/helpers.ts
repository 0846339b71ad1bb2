/** Builders of action views for policy tests. */
import { emptyStats, recordRequest, recordStart, recordWorkerEnd, type MutableStats } from '../../../src/policy/stats';
import type { ActionView, SnapshotRecord } from '../../../src/policy/types';
import { createRng } from '../../../src/policy/rng';

export function snapshot(id: string, requestNumber: number): SnapshotRecord {
  return { snapshotId: id, action: 'ns/a', node: 'n', requestNumber, bytes: 0, dumpMs: 0, restoreMs: 0, createdAt: 0, parentSnapshotId: null };
}

/** Statistics of a curve ℓ(n) observed once per request number 1..upTo, with given start costs. */
export function observedStats(curve: (n: number) => number, upTo: number, coldMs: number, restoreMs: number | null, lifetime = 1): MutableStats {
  const s = emptyStats();
  recordStart(s, { kind: 'cold' }, coldMs);
  if (restoreMs !== null) recordStart(s, { kind: 'snapshot', snapshotId: 'x', requestNumber: 1 }, restoreMs);
  for (let n = 1; n <= upTo; n++) recordRequest(s, { requestNumber: n, requestsSinceStart: 1, origin: { kind: 'cold' }, latencyMs: curve(n) });
  recordWorkerEnd(s, lifetime);
  return s;
}

export function view(stats: MutableStats, pool: SnapshotRecord[]): ActionView {
  return { stats, pool };
}

/** Every latency and start cost multiplied by `k` (counts unchanged). */
export function scaled(s: MutableStats, k: number): MutableStats {
  const m = (x: { count: number; mean: number; m2: number }) => ({ count: x.count, mean: x.mean * k, m2: x.m2 * k * k });
  return {
    ...s,
    coldStart: m(s.coldStart),
    restore: m(s.restore),
    slots: s.slots.map((e) => ({ ...m(e), ewma: e.ewma * k, slot: e.slot })),
    transient: s.transient.map((e) => ({ ...m(e), ewma: e.ewma * k, slot: e.slot })),
  };
}

/**
 * Statistics of workers that serve one request each (E = 1): a cold start, `restores` restores of
 * about 20 ms, and `at(n, ms)` records a request at n by a worker restored from snapshot n − 1.
 */
export function oneRequestWorkers(seed: number, restores: number) {
  const stats = emptyStats();
  const rng = createRng(seed);
  recordStart(stats, { kind: 'cold' }, 60);
  for (let i = 0; i < restores; i++) recordStart(stats, { kind: 'snapshot', snapshotId: 'x', requestNumber: 1 }, 20 + rng.gaussian());
  const at = (n: number, latencyMs: number) => recordRequest(stats, { requestNumber: n, requestsSinceStart: 1, origin: { kind: 'snapshot', snapshotId: 'x', requestNumber: n - 1 }, latencyMs });
  return { stats, rng, at };
}
