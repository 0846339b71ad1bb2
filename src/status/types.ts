/**
 * What the status views read (StatusInput, assembled from the store's statistics of one action) and
 * what they publish (the JSON documents of `/api/status`, `/api/status/:action` and `pronghorn status
 * --json`). The published shapes are a public contract: add fields, never rename them.
 */
import type { SnapshotRecord } from '../store/types';

/** Count, mean and Welford's sum of squared deviations (variance = m2 / (count - 1)). */
export interface Moments {
  count: number;
  mean: number;
  m2: number;
}

/** One point of a learned curve: the statistics of the slot that starts at request number `n`. */
export interface CurveInputPoint extends Moments {
  /** First request number the slot covers (slots are exact for small n and coarser buckets far out). */
  n: number;
  /** Exponentially weighted mean, when the store keeps one. */
  ewma?: number;
}

/** The statistics of one action, in the shape the status views need (see source.ts for the adapter). */
export interface StatusInput {
  action: string;
  /** Execution latency (ms) by request number, sorted by n. */
  curve: CurveInputPoint[];
  /** Restored workers' excess latency (ms) over the curve, by requests since restore, sorted by n. */
  transient: CurveInputPoint[];
  coldStart: Moments;
  restore: Moments;
  /** Requests a worker served before eviction. */
  lifetime: Moments;
  counters: { activations: number; coldStarts: number; restores: number };
  /** Execution latency (ms) of all successful activations, with or without lineage. */
  latency?: Moments;
  pool: SnapshotRecord[];
}

/** A decision the orchestrator logged (snapshot chosen, worker restored, pool pruned, fallback...). */
export interface DecisionEntry {
  /** Epoch ms. */
  at: number;
  kind: string;
  [detail: string]: unknown;
}

/** Expected mean latency per request (ms) of a worker's lifetime under each strategy. */
export interface Baselines {
  /** Every worker starts cold. */
  coldMs: number;
  /** Every worker restores the snapshot taken after request 1 ("fixed:1", the paper's baseline). */
  fixed1Ms: number;
  /** Every worker starts from the best choice available now (a pool snapshot, or cold). */
  pronghornMs: number;
  /** Request number of that best choice; 0 = cold start. */
  bestRequestNumber: number;
  /** (fixed1Ms - pronghornMs) / fixed1Ms × 100. */
  improvementPct: number;
  /** Requests per worker lifetime used for the estimate (learned mean, or 1 before any eviction). */
  lifetimeRequests: number;
}

export interface ActionSummary {
  action: string;
  activations: number;
  coldStarts: number;
  restores: number;
  snapshots: number;
  /** Request number of the best snapshot (0 = cold is best); null while the curve is empty. */
  bestRequestNumber: number | null;
  /** Estimated improvement over fixed:1 in percent; null while the curve is empty. */
  improvementPct: number | null;
}

export interface CurvePoint {
  n: number;
  count: number;
  meanMs: number;
  /** Sample standard deviation; null with fewer than two observations. */
  sdMs: number | null;
}

export interface PoolEntry {
  snapshotId: string;
  requestNumber: number;
  node: string;
  bytes: number;
  dumpMs: number;
  restoreMs: number;
  createdAt: number;
  parentSnapshotId: string | null;
  /** Expected mean latency per request of a worker restored from it (ms); null while the curve is empty. */
  expectedMs: number | null;
}

export interface StatusOverview {
  generatedAt: number;
  actions: ActionSummary[];
}

export interface ActionStatus {
  generatedAt: number;
  summary: ActionSummary;
  curve: CurvePoint[];
  transient: CurvePoint[];
  coldStartMs: { count: number; meanMs: number };
  restoreMs: { count: number; meanMs: number };
  lifetimeRequests: { count: number; mean: number };
  /** Measured mean execution latency over all activations (no start costs), when the store keeps it. */
  observedMs: { count: number; meanMs: number } | null;
  pool: PoolEntry[];
  baselines: Baselines | null;
  decisions: DecisionEntry[];
}
