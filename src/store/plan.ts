/**
 * What one activation changes in its action's statistics, as a list of operations. Pure: both stores
 * apply the same plan (the Redis store inside its Lua script), so they agree exactly.
 */
import type { ActivationFact, LineageRecord } from './types';

export type CounterField = 'activations' | 'coldStarts' | 'restores' | 'errors' | 'withLineage' | 'withoutLineage';

export type StatOp =
  | { op: 'count'; field: CounterField }
  /** Welford update of an action-level moment. */
  | { op: 'moments'; field: 'latency' | 'coldStart'; value: number }
  /** Curve update (EWMA + Welford) at slotOf(request number). */
  | { op: 'slot'; slot: number; value: number }
  /** Excess of a restored worker's latency over the curve's mean at `baselineSlot` (skipped while that slot is unobserved). */
  | { op: 'transient'; j: number; value: number; baselineSlot: number };

export interface PlanConfig {
  /** Request number -> curve slot (the policy's bucketing). */
  slotOf(n: number): number;
  /** Requests after a restore that count as the restore transient instead of the curve. */
  transientWindow: number;
}

/** Execution latency: OpenWhisk's duration includes the /init call. */
export function executionMs(fact: ActivationFact): number {
  return Math.max(0, fact.durationMs - fact.initTimeMs);
}

export function planActivation(fact: ActivationFact, lineage: LineageRecord | null, cfg: PlanConfig): StatOp[] {
  const ops: StatOp[] = [{ op: 'count', field: 'activations' }];
  if (fact.initTimeMs > 0) {
    ops.push({ op: 'count', field: 'coldStarts' }, { op: 'moments', field: 'coldStart', value: fact.initTimeMs });
  }
  const restored = lineage !== null && lineage.origin.kind === 'snapshot';
  if (restored && lineage.requestsSinceStart === 1) ops.push({ op: 'count', field: 'restores' });
  ops.push({ op: 'count', field: lineage ? 'withLineage' : 'withoutLineage' });
  // Failed activations often end early or time out: their latency would distort the curve.
  if (fact.statusCode !== 0) {
    ops.push({ op: 'count', field: 'errors' });
    return ops;
  }
  const ms = executionMs(fact);
  ops.push({ op: 'moments', field: 'latency', value: ms });
  if (!lineage) return ops;
  const slot = cfg.slotOf(lineage.requestNumber);
  if (restored && lineage.requestsSinceStart <= cfg.transientWindow) {
    ops.push({ op: 'transient', j: lineage.requestsSinceStart, value: ms, baselineSlot: slot });
  } else {
    ops.push({ op: 'slot', slot, value: ms });
  }
  return ops;
}

/**
 * Whether a missing lineage is probably late rather than absent: the agent wrote lineage for this
 * action recently (around the event's time), so the record for this activation should exist soon.
 */
export function lineageExpected(fact: ActivationFact, lastLineageAt: number, activeWindowMs: number): boolean {
  return lastLineageAt > 0 && Math.abs(fact.timestamp - lastLineageAt) <= activeWindowMs;
}
