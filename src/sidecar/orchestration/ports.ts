/**
 * The agent as the orchestration loop and the local invoker need it (mechanism: workers, dumps,
 * restores, image deletion). Adapters map the agent's HTTP client and the in-process agent onto it,
 * and unit tests mock it.
 */
import type { WorkerView } from '../../agent/core';
import type { SnapshotRecord, WorkerOrigin } from '../../store/types';

export interface StartedWorker {
  workerId: string;
  action: string;
  origin: WorkerOrigin;
  /** Request number of the runtime state now: 0 when cold, k when restored from a snapshot at k. */
  requestNumber: number;
  /** What the agent spent creating it, ms: process start + /init (cold), or restore. */
  startMs: number;
  /** Duration of its /init call in ms when it was initialised cold, else 0. */
  initMs: number;
}

/** The agent's view of a new worker as the orchestrator sees it (both adapters start workers through it). */
export function startedWorker(view: WorkerView): StartedWorker {
  return {
    workerId: view.workerId,
    action: view.action,
    origin: view.origin,
    requestNumber: view.requestNumber,
    startMs: view.startMs,
    // The agent times process start and /init together; the whole cold-start cost is what the policy weighs.
    initMs: view.origin.kind === 'cold' ? view.startMs : 0,
  };
}

export interface RunOutcome {
  /** OpenWhisk's activation status: 0 success, 1 application error, 2 developer error, 3 internal error. */
  statusCode: 0 | 1 | 2 | 3;
  /** The /run call as the agent forwarded it, ms. */
  runMs: number;
  /** Request number of the runtime state after this request. */
  requestNumber: number;
  /** Response length in characters. */
  size?: number;
  result?: unknown;
}

export interface AgentPort {
  /** Backend name for reports (e.g. `criu`). */
  readonly backend: string;
  startCold(action: string, signal: AbortSignal): Promise<StartedWorker>;
  /** `prefault`: the runtime touches its heap before it is ready (for workers restored ahead of demand). */
  restore(action: string, snapshot: SnapshotRecord, signal: AbortSignal, opts?: { prefault?: boolean }): Promise<StartedWorker>;
  run(workerId: string, activationId: string, params: Record<string, unknown>): Promise<RunOutcome>;
  /** Dump a running worker between requests (it keeps running); returns the new pool entry. */
  snapshot(workerId: string, signal: AbortSignal): Promise<SnapshotRecord>;
  deleteSnapshot(action: string, snapshotId: string, signal: AbortSignal): Promise<void>;
  stopWorker(workerId: string, signal: AbortSignal): Promise<void>;
  /**
   * Resolves when the agent has no background work left (only where the agent shares the process:
   * benchmarks use it to keep that work off timed requests).
   */
  whenIdle?(): Promise<void>;
}
