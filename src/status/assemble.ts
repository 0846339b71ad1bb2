/** Pure assembly of the published status documents from one action's statistics. */
import { baselines, estimator } from './estimate';
import type {
  ActionStatus,
  ActionSummary,
  CurveInputPoint,
  CurvePoint,
  DecisionEntry,
  PoolEntry,
  StatusInput,
} from './types';

function sd(m: { count: number; m2: number }): number | null {
  return m.count >= 2 ? Math.sqrt(Math.max(0, m.m2) / (m.count - 1)) : null;
}

export function curvePoints(curve: readonly CurveInputPoint[]): CurvePoint[] {
  return curve.map((p) => ({ n: p.n, count: p.count, meanMs: p.mean, sdMs: sd(p) }));
}

export function summarize(input: StatusInput): ActionSummary {
  const b = baselines(input);
  return {
    action: input.action,
    activations: input.counters.activations,
    coldStarts: input.counters.coldStarts,
    restores: input.counters.restores,
    snapshots: input.pool.length,
    bestRequestNumber: b ? b.bestRequestNumber : null,
    improvementPct: b ? b.improvementPct : null,
  };
}

export function actionStatus(input: StatusInput, decisions: DecisionEntry[], now = Date.now()): ActionStatus {
  const est = estimator(input);
  const pool: PoolEntry[] = [...input.pool]
    .sort((a, b) => a.requestNumber - b.requestNumber)
    .map((s) => ({
      snapshotId: s.snapshotId,
      requestNumber: s.requestNumber,
      node: s.node,
      bytes: s.bytes,
      dumpMs: s.dumpMs,
      restoreMs: s.restoreMs,
      createdAt: s.createdAt,
      parentSnapshotId: s.parentSnapshotId,
      expectedMs: est ? est.fromSnapshotMs(s.requestNumber, s.restoreMs) : null,
    }));
  return {
    generatedAt: now,
    summary: summarize(input),
    curve: curvePoints(input.curve),
    transient: curvePoints(input.transient),
    coldStartMs: { count: input.coldStart.count, meanMs: input.coldStart.mean },
    restoreMs: { count: input.restore.count, meanMs: input.restore.mean },
    lifetimeRequests: { count: input.lifetime.count, mean: input.lifetime.mean },
    observedMs: input.latency ? { count: input.latency.count, meanMs: input.latency.mean } : null,
    pool,
    baselines: baselines(input),
    decisions,
  };
}
