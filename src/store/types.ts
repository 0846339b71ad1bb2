/**
 * The state store contract shared by the sidecar (writer of statistics), the agent (writer of lineage
 * and worker records) and the status views (readers). Two implementations: Redis and in-memory; both
 * pass one shared test suite.
 *
 * Action names are OpenWhisk's fully qualified form without a leading slash: `ns/name` or
 * `ns/pkg/name` (as in the EventMessage's `body.name`).
 */

/** Where a worker's runtime state came from. */
export type WorkerOrigin =
  | { kind: 'cold' }
  | { kind: 'snapshot'; snapshotId: string; requestNumber: number };

/** Written by the agent while it forwards `/run` (stored before the reply): which worker served an activation, at which n. */
export interface LineageRecord {
  activationId: string;
  action: string;
  workerId: string;
  /** Request number of the runtime state after this request (1 for the first request of a cold worker). */
  requestNumber: number;
  /** Requests this worker (this process incarnation) has served including this one; 1 = its first. */
  requestsSinceStart: number;
  origin: WorkerOrigin;
  /** Epoch ms. */
  recordedAt: number;
}

/** A worker as the agent registered it. */
export interface WorkerRecord {
  workerId: string;
  action: string;
  node: string;
  origin: WorkerOrigin;
  /** Start cost in ms: cold start (process + /init) or restore, as the agent measured it. */
  startMs: number;
  startedAt: number;
  /** Set when the worker is gone; with the number of requests it served (its lifetime). */
  endedAt?: number;
  requestsServed?: number;
}

/** A snapshot in an action's pool. */
export interface SnapshotRecord {
  snapshotId: string;
  action: string;
  node: string;
  /** Request number of the runtime state captured. 0 = right after /init, before any request. */
  requestNumber: number;
  bytes: number;
  dumpMs: number;
  /** Restore time in ms as last measured (0 until the first restore). */
  restoreMs: number;
  createdAt: number;
  /** The snapshot the dumped worker was restored from, if any. */
  parentSnapshotId: string | null;
  /** Its ancestry's first requests (absent from agents that do not report it). */
  chain?: LineageChain;
}

/** Longest `LineageChain.firstMs` an agent keeps: enough for any comparison of early requests. */
export const CHAIN_FIRST_REQUESTS = 32;

/**
 * The line of workers a runtime state descends from: its cold ancestor (the root, named by that worker's
 * id) and the execution time of each request along the line, from request number 1 up to the state's
 * own (at most CHAIN_FIRST_REQUESTS; null for a request that failed or was not timed). Two processes of
 * one action can run at lastingly different speeds (heap and memory layout), and every restore inherits
 * its root's, so a policy compares roots by these early requests (pronghorn's `roots`).
 */
export interface LineageChain {
  rootId: string;
  firstMs: (number | null)[];
}

import type { Moments, SlotEntry, SlotStats } from '../policy/types';

export type { Moments, SlotEntry, SlotStats };

/** Everything the store learned about one action from its activations, lineage and worker records. */
export interface ActionStats {
  action: string;
  /** Activation events applied (each activationId once). */
  activations: number;
  /** Activations with initTime > 0. */
  coldStarts: number;
  /** Restored workers seen serving their first request (from lineage). */
  restores: number;
  /** Activations with statusCode != 0 (their latency is not used). */
  errors: number;
  withLineage: number;
  withoutLineage: number;
  /** Execution latency (duration - initTime) in ms of every successful activation, lineage or not. */
  latency: Moments;
  /** initTime in ms of cold starts. */
  coldStart: Moments;
  /** Restore time in ms as the agent measured it (WorkerRecord.startMs of restored workers). */
  restore: Moments;
  /** Requests a worker served before it ended (WorkerRecord.requestsServed). */
  lifetime: Moments;
  /** Execution latency by slotOf(request number), sorted by slot. */
  slots: SlotEntry[];
  /** Restored workers' excess latency over the curve, by requests since restore, sorted. */
  transient: SlotEntry[];
  /** Epoch ms of the newest event applied (0 if none). */
  lastEventAt: number;
  /** Epoch ms of the newest lineage record written (0 if none). */
  lastLineageAt: number;
}

/** One activation as the sidecar hands it to the store (from an Activation event). */
export interface ActivationFact {
  action: string;
  activationId: string;
  statusCode: number;
  durationMs: number;
  initTimeMs: number;
  waitTimeMs: number;
  /** Epoch ms the event was built. */
  timestamp: number;
  /**
   * The stream the event came from ("topic:partition", or "in-process") and its offset there. The store
   * drops a redelivered event by these (watermark.ts); a fact without them is always applied.
   */
  stream?: string;
  offset?: number;
}

export interface IngestOptions {
  /**
   * Hold back (return as `pending`) activations whose lineage is missing although the agent writes
   * lineage for their action, so the caller can retry them shortly; false applies them without lineage.
   */
  deferMissingLineage: boolean;
  /** Clock for the decision above (epoch ms). */
  now?: number;
  /** What `prefetchLineage` returned for these same facts (a store without that method ignores it). */
  lineage?: LineagePrefetch;
}

/** Lineage reads a store started ahead for `facts` (StateStore.prefetchLineage); opaque to callers. */
export interface LineagePrefetch {
  readonly facts: readonly ActivationFact[];
}

export interface IngestResult {
  applied: number;
  /** Already applied before (redelivery): not counted again. */
  duplicates: number;
  /** Applied although at or below the stream's watermark, because newer than every applied event: the stream restarted at lower offsets. */
  rewound: number;
  withLineage: number;
  withoutLineage: number;
  /** Held back because lineage may still arrive (only with deferMissingLineage). */
  pending: ActivationFact[];
  /** Lineage records that could not be read (applied as if absent); only a store holding serialized records has any. */
  invalidLineage?: number;
}

/** An entry in an action's capped decision log (policy choices, snapshots, prunes ...). */
export interface DecisionRecord {
  /** Epoch ms. */
  at: number;
  kind: string;
  [detail: string]: unknown;
}

/** One row of `listActions()`. */
export interface ActionSummary {
  action: string;
  activations: number;
  coldStarts: number;
  restores: number;
  snapshots: number;
  lastEventAt: number;
}

/** What the policy reads about an action (structurally the policy's `ActionView`). */
export interface ActionState {
  stats: ActionStats;
  pool: SnapshotRecord[];
}

export interface StateStore {
  // Lineage and workers (written by the agent).
  recordLineage(rec: LineageRecord): Promise<void>;
  getLineage(action: string, activationId: string): Promise<LineageRecord | null>;
  /**
   * Insert or update a worker. The first record of a restored worker adds its startMs to `restore`;
   * the first record with `endedAt` adds `requestsServed` to `lifetime`.
   */
  putWorker(rec: WorkerRecord): Promise<void>;
  getWorker(action: string, workerId: string): Promise<WorkerRecord | null>;
  listWorkers(action: string): Promise<WorkerRecord[]>;

  // Statistics (written by the sidecar).
  /**
   * Joins each activation with its lineage and updates the statistics atomically per action and stream,
   * dropping events the stream delivered before (watermark.ts).
   */
  ingestActivations(facts: ActivationFact[], opts: IngestOptions): Promise<IngestResult>;
  /** Optional: starts reading the lineage of `facts` now, for a later ingestActivations of the same array. */
  prefetchLineage?(facts: ActivationFact[]): LineagePrefetch;
  /** Empty statistics (all zero) for an action never seen. */
  getActionStats(action: string): Promise<ActionStats>;
  /** Statistics plus snapshot pool, as the policy reads them. */
  getActionState(action: string): Promise<ActionState>;
  listActions(): Promise<ActionSummary[]>;

  // Snapshot pool.
  addSnapshot(rec: SnapshotRecord): Promise<void>;
  removeSnapshot(action: string, snapshotId: string): Promise<boolean>;
  listSnapshots(action: string): Promise<SnapshotRecord[]>;

  // Decision log, capped per action (newest first).
  appendDecision(action: string, rec: DecisionRecord): Promise<void>;
  listDecisions(action: string, limit: number): Promise<DecisionRecord[]>;

  /** True when the backing service answers (always true in memory). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
