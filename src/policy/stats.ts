/**
 * The statistics arithmetic, kept tiny because the Redis store's Lua scripts repeat it operation for
 * operation (same order of floating-point operations), so every store and the simulator agree exactly.
 */
import type { Moments, PolicyStats, SlotEditLog, SlotEntry, SlotStats, WorkerOrigin } from './types';

/** EWMA weight of the newest sample: the artifact's ε. */
export const EWMA_ALPHA = 0.5;

export function emptyMoments(): Moments {
  return { count: 0, mean: 0, m2: 0 };
}

/**
 * Welford's online update: count += 1; delta = x - mean; mean += delta / count; m2 += delta * (x - mean).
 * Returns a new object.
 */
export function welfordAdd(m: Moments, x: number): Moments {
  const count = m.count + 1;
  const delta = x - m.mean;
  const mean = m.mean + delta / count;
  return { count, mean, m2: m.m2 + delta * (x - mean) };
}

/** EWMA: the first sample (count 0) is taken as is, then alpha * x + (1 - alpha) * previous. */
export function ewmaAdd(previous: number, count: number, x: number, alpha = EWMA_ALPHA): number {
  return count === 0 ? x : alpha * x + (1 - alpha) * previous;
}

/** Both updates of a slot, EWMA first (it needs the old count), then Welford. */
export function slotAdd(s: SlotStats, x: number, alpha = EWMA_ALPHA): SlotStats {
  const ewma = ewmaAdd(s.ewma, s.count, x, alpha);
  const m = welfordAdd(s, x);
  return { count: m.count, mean: m.mean, m2: m.m2, ewma };
}

/** Sample variance; 0 below two samples. */
export function variance(m: Moments): number {
  return m.count > 1 ? m.m2 / (m.count - 1) : 0;
}

/** Request numbers up to this one have a slot each. */
export const EXACT_SLOTS = 512;
/** Beyond EXACT_SLOTS, each doubling of n is split into this many slots (widths ≈ 0.8–1.6 % of n). */
export const SLOTS_PER_DOUBLING = 64;

/**
 * Request number -> slot. Exact up to 512; beyond, log buckets so memory stays bounded without a
 * horizon: with m = n - 1 and e = floor(log2 m), slot = 512 + (e - 9)·64 + floor((m - 2^e) / 2^(e-6)) + 1.
 * Integer arithmetic only (n < 2^31), so Lua computes the same.
 */
export function slotOf(n: number): number {
  if (n <= EXACT_SLOTS) return n;
  const m = n - 1;
  const e = 31 - Math.clz32(m);
  const width = 2 ** (e - 6);
  return EXACT_SLOTS + (e - 9) * SLOTS_PER_DOUBLING + Math.floor((m - 2 ** e) / width) + 1;
}

/** First request number of a slot (inverse of slotOf). */
export function slotFirst(slot: number): number {
  if (slot <= EXACT_SLOTS) return slot;
  const k = slot - EXACT_SLOTS - 1;
  const e = 9 + Math.floor(k / SLOTS_PER_DOUBLING);
  return 2 ** e + (k % SLOTS_PER_DOUBLING) * 2 ** (e - 6) + 1;
}

/** Last request number of a slot. */
export function slotLast(slot: number): number {
  if (slot <= EXACT_SLOTS) return slot;
  const e = 9 + Math.floor((slot - EXACT_SLOTS - 1) / SLOTS_PER_DOUBLING);
  return slotFirst(slot) + 2 ** (e - 6) - 1;
}

/** The request numbers [first, last] that share a slot. */
export function slotBounds(slot: number): [number, number] {
  return [slotFirst(slot), slotLast(slot)];
}

/** Python's round(): halves go to the even neighbour (round(0.5) = 0, round(2.5) = 2). */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Index of `slot` in a sorted slot list, or -(insertion point) - 1. */
export function findSlot(entries: readonly SlotEntry[], slot: number): number {
  let lo = 0;
  let hi = entries.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = entries[mid].slot;
    if (s === slot) return mid;
    if (s < slot) lo = mid + 1;
    else hi = mid - 1;
  }
  return -lo - 1;
}

/** Statistics that an in-memory holder (the simulator, tests) updates in place. */
export interface MutableStats extends PolicyStats {
  slots: SlotEntry[];
  transient: SlotEntry[];
}

export function emptyStats(): MutableStats {
  return {
    activations: 0,
    coldStarts: 0,
    restores: 0,
    coldStart: emptyMoments(),
    restore: emptyMoments(),
    lifetime: emptyMoments(),
    slots: [],
    transient: [],
  };
}

/** Changes an edit log remembers; a reader that fell further behind compares every slot instead. */
export const SLOT_EDIT_LOG = 64;

/** An empty log, for statistics updated in place (see PolicyStats.slotEdits). */
export function slotEditLog(): SlotEditLog {
  return { edits: 0, index: new Int32Array(SLOT_EDIT_LOG) };
}

/**
 * Updates the holder's own entry in place (explicit fields: object spreads are slow in V8); returns the
 * index it changed or inserted.
 */
function addToSlot(entries: SlotEntry[], slot: number, x: number, alpha: number): number {
  const i = findSlot(entries, slot);
  if (i >= 0) {
    const e = entries[i];
    const u = slotAdd(e, x, alpha);
    e.count = u.count;
    e.mean = u.mean;
    e.m2 = u.m2;
    e.ewma = u.ewma;
    return i;
  }
  const u = slotAdd({ count: 0, mean: 0, m2: 0, ewma: 0 }, x, alpha);
  entries.splice(-i - 1, 0, { slot, count: u.count, mean: u.mean, m2: u.m2, ewma: u.ewma });
  return -i - 1;
}

/** What one finished request teaches. */
export interface RequestObservation {
  /** Request number of the state after this request. */
  requestNumber: number;
  /** Requests this worker served including this one (1 = its first). */
  requestsSinceStart: number;
  origin: WorkerOrigin;
  /** Execution latency in ms (without the start cost). */
  latencyMs: number;
}

export interface RecordConfig {
  /**
   * Requests after a restore that feed `transient` (their excess over the curve's mean at n) instead of
   * the curve; 0 = every request feeds the curve. Same meaning as the store's transientWindow.
   */
  transientWindow: number;
  alpha: number;
}

export const defaultRecordConfig: RecordConfig = { transientWindow: 0, alpha: EWMA_ALPHA };

/**
 * The store's update for one successful request with lineage: a restored worker's first
 * `transientWindow` requests go to transient[j] as excess over the curve's mean at slotOf(n) (skipped
 * while that slot is unobserved); every other request goes to the curve at slotOf(n).
 */
export function recordRequest(stats: MutableStats, obs: RequestObservation, cfg: RecordConfig = defaultRecordConfig): void {
  stats.activations += 1;
  const slot = slotOf(obs.requestNumber);
  const j = obs.requestsSinceStart;
  if (obs.origin.kind === 'snapshot' && j <= cfg.transientWindow) {
    const i = findSlot(stats.slots, slot);
    if (i >= 0) addToSlot(stats.transient, j, obs.latencyMs - stats.slots[i].mean, cfg.alpha);
    return;
  }
  const changed = addToSlot(stats.slots, slot, obs.latencyMs, cfg.alpha);
  const log = stats.slotEdits;
  if (log) {
    log.index[log.edits % SLOT_EDIT_LOG] = changed;
    log.edits++;
  }
}

/** A worker started: its start cost joins coldStart or restore. */
export function recordStart(stats: MutableStats, origin: WorkerOrigin, startMs: number): void {
  if (origin.kind === 'cold') {
    stats.coldStarts += 1;
    stats.coldStart = welfordAdd(stats.coldStart, startMs);
  } else {
    stats.restores += 1;
    stats.restore = welfordAdd(stats.restore, startMs);
  }
}

/** A worker ended after serving `requestsServed` requests. */
export function recordWorkerEnd(stats: MutableStats, requestsServed: number): void {
  stats.lifetime = welfordAdd(stats.lifetime, requestsServed);
}
