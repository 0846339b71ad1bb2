/**
 * The orchestration loop: the part of the sidecar that makes it Pronghorn. When a worker for an action
 * is needed it asks the policy (snapshot or cold, and when to snapshot the new worker), has the agent
 * restore or start it, registers the snapshots the agent takes in the pool, prunes the pool (deleting
 * pruned images through the agent) and keeps a few hot stand-bys per action, restored ahead of time so
 * that the restore stays off the request path. Every agent call has a timeout and retries; a failed
 * restore falls back to a cold start so that the activation never fails because of Pronghorn.
 */
import type { Logger } from '../log/logger';
import type { Policy, PolicyContext, StartDecision } from '../policy/types';
import type { SnapshotRecord, StateStore } from '../store/types';
import type { AgentPort, StartedWorker } from './orchestration/ports';
import { isSnapshotUnusable } from './orchestration/httpAgent';
import { retrying, retryingWithFallback, type AttemptReport, type RetryOptions } from './orchestration/resilientCall';

export interface OrchestratorOptions {
  /** Workers kept ready per action (0 = start on demand, on the request path). */
  standbys: number;
  /**
   * Stand-bys restored from a snapshot touch their heap before they count as ready (runtime/heap.ts):
   * the restore takes longer, off the request path, and the first request is faster. Workers started
   * while a request waits never do, nor do stand-bys of an action whose last request found its stand-by
   * still starting (the walk would then be on that request's path).
   */
  prefaultStandbys: boolean;
  /** Worker start and restore calls. */
  startRetry: RetryOptions;
  /** Dump, delete and stop calls. */
  maintenanceRetry: RetryOptions;
}

export const defaultOrchestratorOptions: OrchestratorOptions = {
  standbys: 1,
  prefaultStandbys: true,
  startRetry: { timeoutMs: 15_000, retries: 2, baseDelayMs: 100, maxDelayMs: 2_000 },
  maintenanceRetry: { timeoutMs: 30_000, retries: 2, baseDelayMs: 100, maxDelayMs: 2_000 },
};

/** A worker handed to the invoker, with the plan the policy made for it. */
export interface ProvidedWorker extends StartedWorker {
  kind: 'cold' | 'restore';
  /** Request number after which it is snapshotted (null: never). */
  checkpointAt: number | null;
  /** Request number at which the invoker must retire it (the artifact's horizon), null = never. */
  retireAt: number | null;
  decision: StartDecision;
  /** The policy chose a snapshot but the restore failed, so it started cold. */
  fellBack: boolean;
  /** Snapshot the worker was restored from (for the report), null if cold. */
  snapshot: SnapshotRecord | null;
}

export interface Acquired {
  worker: ProvidedWorker;
  /** Time the caller waited for the worker (0 when a ready stand-by was taken). */
  waitedMs: number;
  fromStandby: boolean;
}

export interface OrchestratorCounters {
  coldStarts: number;
  restores: number;
  fallbacks: number;
  snapshots: number;
  snapshotFailures: number;
  pruned: number;
  deleteFailures: number;
  stopFailures: number;
}

interface Standby {
  ready: boolean;
  promise: Promise<ProvidedWorker>;
}

export class Orchestrator {
  readonly counters: OrchestratorCounters = {
    coldStarts: 0,
    restores: 0,
    fallbacks: 0,
    snapshots: 0,
    snapshotFailures: 0,
    pruned: 0,
    deleteFailures: 0,
    stopFailures: 0,
  };
  private readonly standbys = new Map<string, Standby[]>();
  /** Per action: false when the last request had to wait for its worker although stand-bys are kept. */
  private readonly standbysKeptUp = new Map<string, boolean>();
  /** Provisioning per action is serialised so that pruning never races a concurrent choice. */
  private readonly chains = new Map<string, Promise<unknown>>();
  private closed = false;
  /** Measured dump and restore times, ms (for reports). */
  readonly dumpMs: number[] = [];
  /** Request numbers of the snapshots taken, in order (for reports and tests). */
  readonly snapshotRequestNumbers: number[] = [];
  readonly restoreMs: number[] = [];
  /** Called before each worker is provisioned, e.g. to let the event ingest catch up. */
  beforeProvision?: (action: string) => Promise<void>;

  constructor(
    private readonly store: StateStore,
    private readonly agent: AgentPort,
    private readonly policyFor: (action: string) => Policy,
    /** The policy's context for a decision about the action (seeded RNG, clock, configured lifetime). */
    private readonly contextFor: (action: string) => PolicyContext,
    private readonly log: Logger,
    private readonly opts: OrchestratorOptions = defaultOrchestratorOptions,
  ) {}

  /** Start the action's stand-bys now (before its first request). */
  prepare(action: string): void {
    this.topUp(action);
  }

  /** A worker for the action: a ready stand-by if there is one, else one started now. */
  async acquire(action: string): Promise<Acquired> {
    const t0 = performance.now();
    const queue = this.standbys.get(action) ?? [];
    const next = queue.shift();
    if (next) {
      const wasReady = next.ready;
      this.standbysKeptUp.set(action, wasReady);
      const worker = await next.promise;
      return { worker, waitedMs: wasReady ? 0 : performance.now() - t0, fromStandby: true };
    }
    if (this.opts.standbys > 0) this.standbysKeptUp.set(action, false);
    const worker = await this.provision(action, false);
    return { worker, waitedMs: performance.now() - t0, fromStandby: false };
  }

  /**
   * Called by the invoker after each request, before the worker serves another or is evicted: snapshots
   * it when it has reached its checkpoint request number. Never throws.
   */
  async afterRequest(worker: ProvidedWorker, requestNumber: number): Promise<SnapshotRecord | null> {
    if (worker.checkpointAt === null || requestNumber !== worker.checkpointAt) return null;
    return this.snapshotNow(worker);
  }

  private async snapshotNow(worker: ProvidedWorker): Promise<SnapshotRecord | null> {
    const action = worker.action;
    let snap: SnapshotRecord;
    try {
      snap = await retrying(
        `snapshot ${worker.workerId}`,
        this.opts.maintenanceRetry,
        (signal) => this.agent.snapshot(worker.workerId, signal),
        this.reportAttempt(action),
      );
    } catch (error) {
      this.counters.snapshotFailures++;
      this.log.warn({ action, workerId: worker.workerId, err: String(error) }, 'snapshot failed; the worker goes on without one');
      await this.decide(action, 'snapshot-failed', { workerId: worker.workerId, error: String(error) });
      return null;
    }
    this.counters.snapshots++;
    this.dumpMs.push(snap.dumpMs);
    this.snapshotRequestNumbers.push(snap.requestNumber);
    return this.serially(action, async () => {
      const policy = this.policyFor(action);
      const view = await this.store.getActionState(action);
      if (!policy.admitSnapshot(view, snap, this.contextFor(action))) {
        await this.decide(action, 'snapshot-rejected', { snapshotId: snap.snapshotId, requestNumber: snap.requestNumber });
        await this.deleteImage(action, snap.snapshotId);
        return null;
      }
      await this.store.addSnapshot(snap);
      await this.decide(action, 'snapshot', {
        snapshotId: snap.snapshotId,
        requestNumber: snap.requestNumber,
        dumpMs: snap.dumpMs,
        bytes: snap.bytes,
        workerId: worker.workerId,
      });
      const after = await this.store.getActionState(action);
      await this.prune(action, policy.prune(after, this.contextFor(action), 'afterSnapshot'));
      return snap;
    });
  }

  /** The invoker evicted the worker: stop it and prepare its successor. Never throws. */
  async release(worker: ProvidedWorker): Promise<void> {
    await this.stopQuietly(worker.action, worker.workerId);
    if (!this.closed) this.topUp(worker.action);
  }

  /** Stops every stand-by and every worker still handed out. */
  async close(): Promise<void> {
    this.closed = true;
    const pending: Promise<void>[] = [];
    for (const [action, queue] of this.standbys) {
      for (const s of queue) {
        pending.push(
          s.promise.then(
            (w) => this.stopQuietly(action, w.workerId),
            () => undefined,
          ),
        );
      }
    }
    this.standbys.clear();
    await Promise.all(pending);
  }

  /** Resolves when no stand-by is still starting (benchmarks keep background restores off timed requests). */
  async whenIdle(): Promise<void> {
    const pending = [...this.standbys.values()].flat().filter((s) => !s.ready).map((s) => s.promise.catch(() => undefined));
    await Promise.all(pending);
  }

  /** Workers standing by for the action (for the status page and tests). */
  standbyCount(action: string): number {
    return this.standbys.get(action)?.length ?? 0;
  }

  private topUp(action: string): void {
    const queue = this.standbys.get(action) ?? [];
    this.standbys.set(action, queue);
    while (queue.length < this.opts.standbys) {
      const entry: Standby = { ready: false, promise: this.provision(action, true) };
      entry.promise.then(
        () => (entry.ready = true),
        // A stand-by that could not start at all is dropped; acquire() will try again on demand.
        (error: unknown) => {
          const i = queue.indexOf(entry);
          if (i >= 0) queue.splice(i, 1);
          // While stopping, the store or the agent going away under a start is expected, not an error.
          if (this.closed) this.log.info({ action, err: String(error) }, 'stand-by start abandoned: stopping');
          else this.log.error({ action, err: String(error) }, 'stand-by could not be started');
        },
      );
      queue.push(entry);
    }
  }

  /** Runs `job` after every earlier job of the action: pool changes and choices never interleave. */
  private serially<T>(action: string, job: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(action) ?? Promise.resolve();
    const next = prev.then(job, job);
    this.chains.set(
      action,
      next.catch(() => undefined),
    );
    return next;
  }

  /** `ahead`: a stand-by, started before any request needs it. */
  private async provision(action: string, ahead: boolean): Promise<ProvidedWorker> {
    if (this.beforeProvision) await this.beforeProvision(action);
    const worker = await this.serially(action, () => this.provisionNow(action, ahead));
    // checkpointAt equal to the starting request number: snapshot right after start, before any request.
    if (worker.checkpointAt !== null && worker.checkpointAt === worker.requestNumber) await this.snapshotNow(worker);
    return worker;
  }

  private async provisionNow(action: string, ahead: boolean): Promise<ProvidedWorker> {
    const policy = this.policyFor(action);
    let decision: StartDecision;
    let snapshot: SnapshotRecord | null = null;
    let wanted: string | null = null;
    try {
      let state = await this.store.getActionState(action);
      const drop = policy.prune(state, this.contextFor(action), 'beforeStart');
      if (drop.length > 0) {
        await this.prune(action, drop);
        state = await this.store.getActionState(action);
      }
      decision = policy.chooseStart(state, this.contextFor(action));
      wanted = decision.source.kind === 'snapshot' ? decision.source.snapshotId : null;
      snapshot = wanted === null ? null : state.pool.find((s) => s.snapshotId === wanted) ?? null;
    } catch (error) {
      // A broken policy or an unreachable store must not fail the activation: start cold, plan nothing.
      this.counters.fallbacks++;
      this.log.error({ action, err: String(error) }, 'could not decide how to start a worker; starting cold');
      decision = { source: { kind: 'cold' }, checkpointAt: null, retireAt: null, reason: `decision failed: ${String(error)}` };
    }
    if (wanted !== null && snapshot === null) {
      this.log.warn({ action, snapshotId: wanted }, 'policy chose a snapshot that is not in the pool; starting cold');
    }

    let started: StartedWorker;
    let fellBack = false;
    if (snapshot) {
      const r = await retryingWithFallback(
        `restore ${snapshot.snapshotId}`,
        this.opts.startRetry,
        (signal) => this.agent.restore(action, snapshot, signal, { prefault: ahead && this.opts.prefaultStandbys && this.standbysKeptUp.get(action) !== false }),
        async (error) => {
          this.log.warn({ action, snapshotId: snapshot.snapshotId, err: String(error) }, 'restore failed; falling back to a cold start');
          // An image that is gone, damaged or of older code would be chosen again and again: out of the pool.
          if (isSnapshotUnusable(error)) await this.prune(action, [snapshot.snapshotId]).catch(() => undefined);
          return this.startCold(action);
        },
        this.reportAttempt(action),
      );
      started = r.value;
      fellBack = r.fellBack;
    } else {
      started = await this.startCold(action);
    }
    const kind = started.origin.kind === 'snapshot' ? 'restore' : 'cold';
    if (kind === 'restore') {
      this.counters.restores++;
      this.restoreMs.push(started.startMs);
    } else this.counters.coldStarts++;
    if (fellBack || (wanted !== null && snapshot === null)) this.counters.fallbacks++;
    // The plan was made for the chosen start; a worker that started cold instead gets no checkpoint.
    const planHolds = kind === 'restore' || wanted === null;
    const checkpointAt = planHolds ? decision.checkpointAt : null;
    const retireAt = planHolds ? decision.retireAt : null;
    await this.decide(action, planHolds ? 'start' : 'fallback-cold', {
      workerId: started.workerId,
      from: kind === 'restore' ? snapshot?.snapshotId : 'cold',
      requestNumber: started.requestNumber,
      checkpointAt,
      retireAt,
      startMs: started.startMs,
      reason: decision.reason,
      policy: policy.name,
    });
    return { ...started, kind, checkpointAt, retireAt, decision, fellBack, snapshot: kind === 'restore' ? snapshot : null };
  }

  private startCold(action: string): Promise<StartedWorker> {
    return retrying(`cold start ${action}`, this.opts.startRetry, (signal) => this.agent.startCold(action, signal), this.reportAttempt(action));
  }

  private async prune(action: string, snapshotIds: readonly string[]): Promise<void> {
    for (const snapshotId of new Set(snapshotIds)) {
      // Out of the pool first, so that no new worker chooses an image that is being deleted.
      const removed = await this.store.removeSnapshot(action, snapshotId);
      if (!removed) continue;
      this.counters.pruned++;
      await this.deleteImage(action, snapshotId);
      await this.decide(action, 'prune', { snapshotId });
    }
  }

  private async deleteImage(action: string, snapshotId: string): Promise<void> {
    try {
      await retrying(`delete ${snapshotId}`, this.opts.maintenanceRetry, (signal) => this.agent.deleteSnapshot(action, snapshotId, signal), this.reportAttempt(action));
    } catch (error) {
      // The image stays on disk; the agent's orphan cleanup owns it from here.
      this.counters.deleteFailures++;
      this.log.warn({ action, snapshotId, err: String(error) }, 'could not delete a snapshot image');
    }
  }

  private async stopQuietly(action: string, workerId: string): Promise<void> {
    try {
      await retrying(`stop ${workerId}`, this.opts.maintenanceRetry, (signal) => this.agent.stopWorker(workerId, signal), this.reportAttempt(action));
    } catch (error) {
      this.counters.stopFailures++;
      this.log.warn({ action, workerId, err: String(error) }, 'could not stop a worker');
    }
  }

  private reportAttempt(action: string) {
    return (r: AttemptReport) => this.log.debug({ action, call: r.what, attempt: r.attempt, err: String(r.error) }, 'agent call failed');
  }

  private async decide(action: string, kind: string, detail: Record<string, unknown>): Promise<void> {
    try {
      await this.store.appendDecision(action, { at: Date.now(), kind, ...detail });
    } catch (error) {
      this.log.warn({ action, err: String(error) }, 'could not log a decision');
    }
  }
}
