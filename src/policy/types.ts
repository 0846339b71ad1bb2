/**
 * The policy's vocabulary: the statistics it reads about an action (an `ActionView`), the decisions it
 * returns, and the `Policy` interface. Policies are pure: everything they know comes from the view and
 * the context (seeded RNG, clock), so the same inputs always give the same decisions, in the sidecar and
 * in the simulator alike.
 *
 * Units: latencies and start costs in ms as received (no rounding). Request number n = requests served
 * by the runtime state since its original cold start (inherited across restores; 1 = first request).
 */
import type { SnapshotRecord, WorkerOrigin } from '../store/types';

export type { SnapshotRecord, WorkerOrigin };

/** Count, mean and Welford's sum of squared deviations (variance = m2 / (count - 1)). */
export interface Moments {
  count: number;
  mean: number;
  m2: number;
}

/** Moments plus an EWMA of the same samples (the artifact's estimator). */
export interface SlotStats extends Moments {
  ewma: number;
}

/** One slot: slotOf(request number) for the curve, requests since restore for the transient. */
export interface SlotEntry extends SlotStats {
  slot: number;
}

/** What the store knows about one action; the store's `ActionStats` satisfies it structurally. */
export interface PolicyStats {
  /** Activations applied / cold starts / restored workers seen. */
  activations: number;
  coldStarts: number;
  restores: number;
  /** Cold-start cost in ms (process start + /init). */
  coldStart: Moments;
  /** Restore cost in ms, as the agent measured it. */
  restore: Moments;
  /** Requests a worker served before it ended. */
  lifetime: Moments;
  /** Execution latency in ms by slotOf(request number), sorted by slot. */
  slots: readonly SlotEntry[];
  /** Restored workers' excess latency over the curve, by requests since restore, sorted. */
  transient: readonly SlotEntry[];
  /**
   * Only on statistics an in-memory holder updates in place (the simulator): which slot indices changed
   * lately, so a reader keeping derived data (the pronghorn estimator) need not compare every slot.
   * A store's views leave it out.
   */
  slotEdits?: SlotEditLog;
}

/**
 * The last SLOT_EDIT_LOG changes to `slots`: change e (0-based, e < edits) touched index
 * `index[e % SLOT_EDIT_LOG]` (an insertion shifts every index from there on).
 */
export interface SlotEditLog {
  edits: number;
  readonly index: Int32Array;
}

/** Statistics plus the snapshot pool: all a policy reads (the store's `ActionState` is one). */
export interface ActionView {
  stats: PolicyStats;
  pool: readonly SnapshotRecord[];
}

/** A seeded source of randomness; see rng.ts. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Standard normal. */
  gaussian(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
}

export interface PolicyContext {
  rng: Rng;
  /** Epoch ms (injected; policies never read the wall clock). */
  now: number;
  /**
   * A worker lifetime in requests fixed by the platform, when there is one (the paper's harness and the
   * simulator evict by count; OpenWhisk evicts by idle time and leaves it unset). Only a prior: learned
   * lifetimes win where a policy learns them.
   */
  configuredLifetime?: number;
}

/** Where a new worker starts from. */
export type StartSource = { kind: 'cold' } | { kind: 'snapshot'; snapshotId: string; requestNumber: number };

export interface StartDecision {
  source: StartSource;
  /**
   * Request number after which the new worker is dumped (its state then has n = checkpointAt), or null
   * for never. Equal to the starting request number (0 for cold) means "right after start, before any
   * request" (the `init` policy).
   */
  checkpointAt: number | null;
  /** Retire the worker once its request number reaches this (the artifact's horizon M); null = never. */
  retireAt: number | null;
  /** Short human-readable reason, for the decision log and status page. */
  reason: string;
}

/** When `prune` is called: before a worker start, or right after a snapshot joined the pool. */
export type PruneMoment = 'beforeStart' | 'afterSnapshot';

/**
 * The one interface the sidecar's orchestration loop and the simulator both drive:
 * 1. before a worker start: `prune(view, ctx, 'beforeStart')`, delete the returned snapshots, then
 *    `chooseStart(view, ctx)` and start the worker as decided;
 * 2. after each request: the store applies the statistics update (stats.ts `recordRequest`; start costs
 *    and lifetimes likewise) — what a request teaches is the same for every policy, so it is not a method;
 * 3. when a worker reaches `checkpointAt`: dump it, ask `admitSnapshot`, add it to the pool if admitted,
 *    then `prune(view, ctx, 'afterSnapshot')`.
 */
export interface Policy {
  /** The spec it was created from, e.g. `fixed:1`, `pronghorn`. */
  readonly name: string;
  /** Validated parameters (defaults filled in). */
  readonly params: Readonly<Record<string, unknown>>;
  chooseStart(view: ActionView, ctx: PolicyContext): StartDecision;
  /** Whether a snapshot just taken should join the pool (false: delete it). */
  admitSnapshot(view: ActionView, snapshot: SnapshotRecord, ctx: PolicyContext): boolean;
  /** Snapshot ids to remove from the pool (their images may be deleted once no worker restores them). */
  prune(view: ActionView, ctx: PolicyContext, moment: PruneMoment): string[];
}
