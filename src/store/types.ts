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

/** Written by the agent before it forwards `/run`: which worker served an activation, at which n. */
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
}

export interface StateStore {
  recordLineage(rec: LineageRecord): Promise<void>;
  getLineage(action: string, activationId: string): Promise<LineageRecord | null>;
  putWorker(rec: WorkerRecord): Promise<void>;
  getWorker(action: string, workerId: string): Promise<WorkerRecord | null>;
  close(): Promise<void>;
}
