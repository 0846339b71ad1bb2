/**
 * What one activation changes in its action's statistics. Pure: both stores sum a batch's plans into
 * one delta per action (delta.ts) and apply that. A plan is one flat object per activation (counters as
 * a bit mask), because one is built for every event the sidecar ingests.
 */
import type { ActivationFact, LineageRecord } from './types';

export type CounterField = 'activations' | 'coldStarts' | 'restores' | 'errors' | 'withLineage' | 'withoutLineage';

/** Bit of each counter in `ActivationPlan.counters`; this order is also that of ingest.lua's counter argument. */
export const COUNTERS: readonly { field: CounterField; bit: number }[] = [
  { field: 'activations', bit: 1 },
  { field: 'coldStarts', bit: 2 },
  { field: 'restores', bit: 4 },
  { field: 'errors', bit: 8 },
  { field: 'withLineage', bit: 16 },
  { field: 'withoutLineage', bit: 32 },
];
const BIT = Object.fromEntries(COUNTERS.map((c) => [c.field, c.bit])) as Record<CounterField, number>;

export interface ActivationPlan {
  /** Counters to increment by one: a bit mask of COUNTERS' bits. */
  counters: number;
  /** Execution latency for the action-level latency moments; null: none (a failed activation). */
  latencyMs: number | null;
  /** Init time for the cold-start moments; null: not a cold start. */
  coldStartMs: number | null;
  /**
   * Where the latency goes on the curve: `slot` adds it (EWMA + Welford) at curve slot `index`;
   * `transient` adds its excess over the curve's mean at `baselineSlot` to transient cell `index`
   * (requests since the restore), skipped while that slot is unobserved; null: nowhere.
   */
  curve: 'slot' | 'transient' | null;
  index: number;
  baselineSlot: number;
}

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

export function planActivation(fact: ActivationFact, lineage: LineageRecord | null, cfg: PlanConfig): ActivationPlan {
  const restored = lineage !== null && lineage.origin.kind === 'snapshot';
  const coldStart = fact.initTimeMs > 0;
  let counters = BIT.activations | (lineage ? BIT.withLineage : BIT.withoutLineage);
  if (coldStart) counters |= BIT.coldStarts;
  if (restored && lineage.requestsSinceStart === 1) counters |= BIT.restores;
  const plan: ActivationPlan = { counters, latencyMs: null, coldStartMs: coldStart ? fact.initTimeMs : null, curve: null, index: 0, baselineSlot: 0 };
  // Failed activations often end early or time out: their latency would distort the curve.
  if (fact.statusCode !== 0) {
    plan.counters |= BIT.errors;
    return plan;
  }
  const ms = executionMs(fact);
  plan.latencyMs = ms;
  if (!lineage) return plan;
  const slot = cfg.slotOf(lineage.requestNumber);
  if (restored && lineage.requestsSinceStart <= cfg.transientWindow) {
    plan.curve = 'transient';
    plan.index = lineage.requestsSinceStart;
    plan.baselineSlot = slot;
  } else {
    plan.curve = 'slot';
    plan.index = slot;
  }
  return plan;
}

/** The counters a plan increments, by name (for readers of a plan; the stores use the mask). */
export function countersOf(plan: ActivationPlan): CounterField[] {
  return COUNTERS.filter((c) => (plan.counters & c.bit) !== 0).map((c) => c.field);
}

/**
 * Whether a missing lineage is probably late rather than absent: the agent wrote lineage for this
 * action recently (around the event's time), so the record for this activation should exist soon.
 */
export function lineageExpected(fact: ActivationFact, lastLineageAt: number, activeWindowMs: number): boolean {
  return lastLineageAt > 0 && Math.abs(fact.timestamp - lastLineageAt) <= activeWindowMs;
}
