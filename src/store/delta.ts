/**
 * What one batch of activations changes in one action's statistics, summed up in the sidecar so that
 * the store applies each touched cell once per batch instead of once per activation (the Redis script's
 * cost then grows with the cells a batch touches, not with its events).
 *
 * A cell's delta holds the moments of the batch's own samples (Welford from empty) and the two EWMA
 * parts needed to continue the stored EWMA: `tail`, the weighted sum of the samples as if the stored
 * EWMA were 0, and `fresh`, the EWMA of the samples alone (for a cell never observed). `decay` is
 * (1 - alpha)^n. Merging uses Chan et al.'s formula for the moments; both stores merge with the same
 * operations in the same order (mergeSlot here and in ingest.lua), so they agree bit for bit. Against
 * adding the samples one at a time, a merged cell agrees up to rounding.
 *
 * Restore-transient samples are the excess of a latency over the curve's mean at its baseline slot.
 * That mean is read when the batch is applied (after the batch's own curve cells): the delta keeps the
 * raw latencies per (transient index, baseline slot), and shiftCell subtracts the mean then.
 */
import type { Moments, SlotStats } from './types';
import { COUNTERS, type ActivationPlan } from './plan';
import { welfordAdd } from './moments';

export interface CellDelta {
  n: number;
  mean: number;
  m2: number;
  tail: number;
  fresh: number;
  decay: number;
}

export interface TransientDelta {
  /** Requests since the restore (the transient hash's field). */
  index: number;
  /** Curve slot whose mean is subtracted. */
  baselineSlot: number;
  cell: CellDelta;
}

export interface ActionDelta {
  /** Increments in COUNTERS order. */
  counters: number[];
  latency: Moments;
  coldStart: Moments;
  /** Curve slot -> delta, in order of first appearance. */
  slots: Map<number, CellDelta>;
  /** Keyed by `index:baselineSlot`, in order of first appearance. */
  transient: Map<string, TransientDelta>;
  /** Newest event time in the batch (epoch ms), 0 if none. */
  newestEventAt: number;
  activations: number;
}

export function newCell(): CellDelta {
  return { n: 0, mean: 0, m2: 0, tail: 0, fresh: 0, decay: 1 };
}

/** Adds one sample to a batch cell (Welford, and both EWMA parts). */
export function cellAdd(c: CellDelta, x: number, alpha: number): void {
  c.n += 1;
  const delta = x - c.mean;
  c.mean += delta / c.n;
  c.m2 += delta * (x - c.mean);
  c.tail = alpha * x + (1 - alpha) * c.tail;
  c.fresh = c.n === 1 ? x : alpha * x + (1 - alpha) * c.fresh;
  c.decay *= 1 - alpha;
}

export class DeltaBuilder {
  readonly delta: ActionDelta = {
    counters: COUNTERS.map(() => 0),
    latency: { count: 0, mean: 0, m2: 0 },
    coldStart: { count: 0, mean: 0, m2: 0 },
    slots: new Map(),
    transient: new Map(),
    newestEventAt: 0,
    activations: 0,
  };

  constructor(private readonly alpha: number) {}

  add(plan: ActivationPlan, timestamp: number): void {
    const d = this.delta;
    d.activations++;
    for (let k = 0; k < COUNTERS.length; k++) if ((plan.counters & COUNTERS[k].bit) !== 0) d.counters[k]++;
    if (plan.latencyMs !== null) d.latency = welfordAdd(d.latency, plan.latencyMs);
    if (plan.coldStartMs !== null) d.coldStart = welfordAdd(d.coldStart, plan.coldStartMs);
    if (plan.latencyMs !== null && plan.curve === 'slot') {
      let c = d.slots.get(plan.index);
      if (!c) d.slots.set(plan.index, (c = newCell()));
      cellAdd(c, plan.latencyMs, this.alpha);
    } else if (plan.latencyMs !== null && plan.curve === 'transient') {
      const key = `${plan.index}:${plan.baselineSlot}`;
      let t = d.transient.get(key);
      if (!t) d.transient.set(key, (t = { index: plan.index, baselineSlot: plan.baselineSlot, cell: newCell() }));
      cellAdd(t.cell, plan.latencyMs, this.alpha);
    }
    if (timestamp > d.newestEventAt) d.newestEventAt = timestamp;
  }
}

/** Chan et al.'s merge of a batch's moments into stored ones (ingest.lua: mergeMoments). */
export function mergeMoments(a: Moments, n: number, mean: number, m2: number): Moments {
  if (n === 0) return a;
  if (a.count === 0) return { count: n, mean, m2 };
  const count = a.count + n;
  const delta = mean - a.mean;
  return { count, mean: a.mean + (delta * n) / count, m2: a.m2 + m2 + (delta * delta * a.count * n) / count };
}

/** A curve or transient cell after a batch's delta (ingest.lua: mergeSlot). */
export function mergeSlot(s: SlotStats, c: CellDelta): SlotStats {
  if (c.n === 0) return s;
  const ewma = s.count === 0 ? c.fresh : c.decay * s.ewma + c.tail;
  const m = mergeMoments(s, c.n, c.mean, c.m2);
  return { count: m.count, mean: m.mean, m2: m.m2, ewma };
}

/** The delta of the samples minus `baseline` (ingest.lua: shiftCell): variance and decay do not move. */
export function shiftCell(c: CellDelta, baseline: number): CellDelta {
  return { n: c.n, mean: c.mean - baseline, m2: c.m2, tail: c.tail - baseline * (1 - c.decay), fresh: c.fresh - baseline, decay: c.decay };
}
