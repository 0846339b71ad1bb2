/**
 * The agent's mechanism, independent of HTTP and of the backend: workers (cold or restored), their
 * request numbers (inherited across restores), lineage written beside each `/run` (in the store before
 * the reply), and snapshots taken only between requests.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../log/logger';
import type { LineageChain, LineageRecord, StateStore, WorkerOrigin, WorkerRecord } from '../store/types';
import { extendChain } from '../store/chain';
import { codeDigest } from '../runtime/digest';
import { withTimeout } from '../infra/timeout';
import type { InitValue } from '../runtime/protocol';
import { BackendError, type BackendWorker, type WorkerBackend } from './backend';
import { AgentError } from './errors';
import { newActivationId, newWorkerId } from './ids';
import type { AgentMetrics } from './metrics';
import { SnapshotRepository, type SnapshotMeta } from './snapshots';

/** The part of the state store the agent writes to. */
export type AgentStore = Pick<StateStore, 'recordLineage' | 'putWorker'>;

export interface CreateWorkerRequest {
  action: string;
  /** OpenWhisk /init value. Cold: sent to the new runtime. From a snapshot: only checked against the snapshot's code. */
  init?: InitValue;
  snapshotId?: string;
  /** Dump the worker right after the request that makes its request number equal this. */
  checkpointAt?: number;
  /**
   * Restore only: the runtime touches its whole heap once before the worker is ready (runtime/heap.ts),
   * which lengthens the restore and shortens the first request. For workers restored ahead of demand.
   */
  prefault?: boolean;
}

export interface WorkerView {
  workerId: string;
  action: string;
  origin: WorkerOrigin;
  startMs: number;
  startedAt: number;
  requestNumber: number;
  requestsSinceStart: number;
  checkpointAt: number | null;
  initialized: boolean;
  state: 'ready' | 'busy' | 'dumping' | 'dead';
  snapshots: string[];
  /** Restored with `prefault`: the runtime's heap walk, ms (part of startMs); else null. */
  prefaultMs: number | null;
}

export interface RunOutcome {
  workerId: string;
  action: string;
  activationId: string;
  requestNumber: number;
  requestsSinceStart: number;
  /** HTTP status the runtime answered (200 success; 502 action developer error ...). */
  statusCode: number;
  result: unknown;
  timings: { executionMs: number | null; roundTripMs: number };
  /** True when this request reached the worker's checkpoint number: the dump follows right away. */
  snapshotScheduled: boolean;
  /** False when the store did not take the lineage record (the activation ran all the same). */
  lineageRecorded: boolean;
}

interface Worker {
  id: string;
  action: string;
  digest: string | null;
  origin: WorkerOrigin;
  parentSnapshotId: string | null;
  /** The line it descends from, extended by each request it serves (null: restored from an image without one). Never changed in place (store/chain.ts), so images and workers share it. */
  chain: LineageChain | null;
  startMs: number;
  prefaultMs: number | null;
  startedAt: number;
  requestNumber: number;
  requestsSinceStart: number;
  checkpointAt: number | null;
  state: WorkerView['state'];
  handle: BackendWorker;
  snapshots: string[];
  /** Tail of the worker's queue: runs and dumps execute one at a time, in order. */
  queue: Promise<void>;
}

export interface AgentCoreOptions {
  backend: WorkerBackend;
  store: AgentStore;
  snapshots: SnapshotRepository;
  node: string;
  log: Logger;
  metrics?: AgentMetrics;
  /** Full GC in the runtime right before each dump (default false: it did not shrink images here). */
  gcBeforeDump?: boolean;
  /** Longest wait for a lineage write once its /run has answered, ms (default LINEAGE_WAIT_MS). */
  lineageWaitMs?: number;
}

/** Longest wait for a lineage write after its /run has answered (the store's own timeouts come first). */
const LINEAGE_WAIT_MS = 2000;

function ms(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export class AgentCore extends EventEmitter {
  private readonly workers = new Map<string, Worker>();
  private readonly restoring = new Map<string, number>();

  constructor(private readonly opts: AgentCoreOptions) {
    super();
  }

  get backendName(): string {
    return this.opts.backend.name;
  }

  get snapshots(): SnapshotRepository {
    return this.opts.snapshots;
  }

  private view(w: Worker): WorkerView {
    return {
      workerId: w.id,
      action: w.action,
      origin: w.origin,
      startMs: w.startMs,
      startedAt: w.startedAt,
      requestNumber: w.requestNumber,
      requestsSinceStart: w.requestsSinceStart,
      checkpointAt: w.checkpointAt,
      initialized: w.digest !== null,
      state: w.state,
      snapshots: [...w.snapshots],
      prefaultMs: w.prefaultMs,
    };
  }

  private worker(id: string): Worker {
    const w = this.workers.get(id);
    if (!w) throw new AgentError(404, 'worker_not_found', `no worker ${id}`);
    if (w.state === 'dead') throw new AgentError(410, 'worker_dead', `worker ${id} has ended`);
    return w;
  }

  /** Runs `fn` when the worker's earlier requests and dumps are done; returns a release for deferred work. */
  private async acquire(w: Worker): Promise<() => void> {
    let release!: () => void;
    const prev = w.queue;
    w.queue = new Promise<void>((r) => (release = r));
    await prev;
    return release;
  }

  listWorkers(filter: { action?: string } = {}): WorkerView[] {
    return [...this.workers.values()].filter((w) => !filter.action || w.action === filter.action).map((w) => this.view(w));
  }

  getWorker(id: string): WorkerView {
    const w = this.workers.get(id);
    if (!w) throw new AgentError(404, 'worker_not_found', `no worker ${id}`);
    return this.view(w);
  }

  async createWorker(req: CreateWorkerRequest): Promise<WorkerView> {
    if (req.checkpointAt !== undefined && req.checkpointAt < 0) throw new AgentError(400, 'bad_request', 'checkpointAt must be >= 0');
    return req.snapshotId ? this.restoreWorker(req, req.snapshotId) : this.coldWorker(req);
  }

  private async register(w: Omit<Worker, 'queue' | 'state' | 'snapshots' | 'id'>, id = newWorkerId()): Promise<Worker> {
    const worker: Worker = { ...w, id, queue: Promise.resolve(), state: 'ready', snapshots: [] };
    this.workers.set(worker.id, worker);
    worker.handle.onExit((why) => {
      if (worker.state === 'dead') return;
      this.opts.log.warn({ worker: worker.id, action: worker.action, why }, 'worker ended on its own');
      void this.retire(worker);
    });
    await this.putWorker(worker);
    this.opts.metrics?.workers.set(this.workers.size);
    this.emit('worker', this.view(worker));
    return worker;
  }

  private async putWorker(w: Worker, ended = false): Promise<void> {
    const rec: WorkerRecord = {
      workerId: w.id,
      action: w.action,
      node: this.opts.node,
      origin: w.origin,
      startMs: w.startMs,
      startedAt: w.startedAt,
      ...(ended ? { endedAt: Date.now(), requestsServed: w.requestsSinceStart } : {}),
    };
    try {
      await this.opts.store.putWorker(rec);
    } catch (err) {
      // The worker record feeds statistics only; a store outage must not take the worker down.
      this.opts.log.error({ worker: w.id, err: (err as Error).message }, 'could not write the worker record');
    }
  }

  private async coldWorker(req: CreateWorkerRequest): Promise<WorkerView> {
    const t0 = process.hrtime.bigint();
    const handle = await this.backendCall(() => this.opts.backend.createCold({ action: req.action, env: {} }));
    let digest: string | null = null;
    if (req.init) {
      const reply = await handle.runtime.init(req.init).catch((err: Error) => ({ status: 0, body: { error: err.message } }));
      if (reply.status !== 200) {
        await this.opts.backend.destroy(handle);
        const why = (reply.body as { error?: unknown })?.error ?? JSON.stringify(reply.body);
        throw new AgentError(502, 'init_failed', `the action's /init failed (runtime status ${reply.status}): ${String(why)}`);
      }
      digest = codeDigest(req.init);
    }
    const startMs = ms(t0);
    this.opts.metrics?.coldStartMs.observe(startMs);
    const id = newWorkerId();
    const w = await this.register({
      action: req.action, digest, origin: { kind: 'cold' }, parentSnapshotId: null, chain: { rootId: id, firstMs: [] }, startMs, prefaultMs: null, startedAt: Date.now(),
      requestNumber: 0, requestsSinceStart: 0, checkpointAt: req.checkpointAt ?? null, handle,
    }, id);
    this.opts.log.info({ worker: w.id, action: w.action, startMs }, 'cold worker started');
    return this.view(w);
  }

  private async restoreWorker(req: CreateWorkerRequest, snapshotId: string): Promise<WorkerView> {
    const snap = this.opts.snapshots.get(snapshotId);
    if (!snap) throw new AgentError(404, 'snapshot_not_found', `no snapshot ${snapshotId}`);
    if (snap.action !== req.action) {
      throw new AgentError(409, 'snapshot_action_mismatch', `snapshot ${snapshotId} belongs to ${snap.action}, not ${req.action}`);
    }
    if (req.init && snap.codeDigest !== null && codeDigest(req.init) !== snap.codeDigest) {
      throw new AgentError(409, 'code_changed', `the action's code differs from the code in snapshot ${snapshotId}; start cold`);
    }
    if (req.checkpointAt !== undefined && req.checkpointAt < snap.requestNumber) {
      throw new AgentError(400, 'bad_request', `checkpointAt ${req.checkpointAt} is before the snapshot's request number ${snap.requestNumber}`);
    }
    const damage = this.opts.snapshots.damage(snapshotId);
    if (damage) {
      this.opts.metrics?.failures.inc({ op: 'restore' });
      throw new AgentError(500, 'snapshot_damaged', `snapshot ${snapshotId} cannot be restored: ${damage}; delete it`);
    }
    this.restoring.set(snapshotId, (this.restoring.get(snapshotId) ?? 0) + 1);
    try {
      const t0 = process.hrtime.bigint();
      const handle = await this.backendCall(() => this.opts.backend.restore(this.opts.snapshots.imageDir(snapshotId), { action: req.action }));
      const workerId = newWorkerId();
      const hook = await handle.runtime
        .restored({ workerId, snapshotId, requestNumber: snap.requestNumber, ...(req.prefault === true ? { prefault: true } : {}) })
        .catch((err: Error) => ({ status: 0, body: { error: err.message } }));
      if (hook.status !== 200) {
        await this.opts.backend.destroy(handle);
        throw new AgentError(500, 'restore_failed', `restored runtime did not answer its after-restore call: ${JSON.stringify(hook.body)}`);
      }
      const startMs = ms(t0);
      const walked = (hook.body as { prefaultMs?: unknown } | null)?.prefaultMs;
      const prefaultMs = typeof walked === 'number' ? walked : null;
      this.opts.metrics?.restoreMs.observe(startMs);
      this.opts.snapshots.update(snapshotId, { restoreMs: startMs, restores: snap.restores + 1 });
      const w = await this.register({
        action: req.action, digest: snap.codeDigest, origin: { kind: 'snapshot', snapshotId, requestNumber: snap.requestNumber },
        parentSnapshotId: snapshotId, chain: snap.chain ?? null,
        startMs, prefaultMs, startedAt: Date.now(), requestNumber: snap.requestNumber, requestsSinceStart: 0,
        checkpointAt: req.checkpointAt ?? null, handle,
      }, workerId);
      this.opts.log.info({ worker: w.id, action: w.action, snapshotId, startMs, ...(prefaultMs !== null ? { prefaultMs } : {}) }, 'worker restored');
      return this.view(w);
    } catch (err) {
      this.opts.metrics?.failures.inc({ op: 'restore' });
      throw err;
    } finally {
      const left = (this.restoring.get(snapshotId) ?? 1) - 1;
      if (left > 0) this.restoring.set(snapshotId, left);
      else this.restoring.delete(snapshotId);
    }
  }

  private async backendCall<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof BackendError) {
        const status = err.kind === 'unavailable' ? 503 : 500;
        throw new AgentError(status, `${err.kind}_failed`, err.message);
      }
      throw err;
    }
  }

  /** Forwards one `/init` (for workers created without one). */
  async init(workerId: string, value: InitValue): Promise<{ statusCode: number; body: unknown }> {
    const w = this.worker(workerId);
    const release = await this.acquire(w);
    try {
      const reply = await w.handle.runtime.init(value);
      if (reply.status === 200 && w.digest === null) w.digest = codeDigest(value);
      return { statusCode: reply.status, body: reply.body };
    } finally {
      release();
    }
  }

  async run(workerId: string, body: Record<string, unknown>): Promise<RunOutcome> {
    const w = this.worker(workerId);
    const release = await this.acquire(w);
    let dumpFollows = false;
    let lineageRecorded = false;
    try {
      if (w.state === 'dead') throw new AgentError(410, 'worker_dead', `worker ${w.id} has ended`);
      const activationId = typeof body.activation_id === 'string' ? body.activation_id : newActivationId();
      const n = w.requestNumber + 1;
      const c = w.requestsSinceStart + 1;
      const lineage: LineageRecord = {
        activationId, action: w.action, workerId: w.id, requestNumber: n, requestsSinceStart: c, origin: w.origin, recordedAt: Date.now(),
      };
      w.requestNumber = n;
      w.requestsSinceStart = c;
      w.state = 'busy';
      const running = w.handle.runtime.run({ ...body, activation_id: activationId });
      // The lineage write runs beside /run rather than before it: a store round trip is then never on the
      // activation's path. It starts on the event loop's next turn, once the request is on its way to the
      // runtime: building and sending the store's commands took 0.2-0.6 ms, which then overlap the
      // action's execution instead of delaying its start. The reply still waits for the write, so the
      // record is in the store before the invoker can publish the activation's event (the sidecar joins
      // the two).
      const lineageWrite = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => this.opts.store.recordLineage(lineage))
        .then(
          () => null,
          (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
        );
      let reply;
      try {
        reply = await running;
      } catch (err) {
        throw new AgentError(502, 'runtime_unreachable', `worker ${w.id} did not answer /run: ${(err as Error).message}`);
      } finally {
        if (w.state === 'busy') w.state = 'ready';
        lineageRecorded = await this.settleLineage(lineageWrite, lineage);
      }
      this.opts.metrics?.runs.inc({ status: String(reply.status) });
      if (w.chain) w.chain = extendChain(w.chain, n, reply.status === 200 ? (reply.execMs ?? reply.ms) : null);
      dumpFollows = w.checkpointAt !== null && n >= w.checkpointAt && w.state === 'ready';
      if (dumpFollows) {
        w.checkpointAt = null;
        // The caller gets its result now; the worker's queue stays closed until the dump is done.
        void this.dumpHeld(w).catch((err: Error) => this.opts.log.error({ worker: w.id, err: err.message }, 'scheduled snapshot failed')).finally(release);
      }
      return {
        workerId: w.id, action: w.action, activationId, requestNumber: n, requestsSinceStart: c, statusCode: reply.status,
        result: reply.body, timings: { executionMs: reply.execMs ?? null, roundTripMs: reply.ms }, snapshotScheduled: dumpFollows, lineageRecorded,
      };
    } finally {
      if (!dumpFollows) release();
    }
  }

  /**
   * Waits for a lineage write started beside a /run, for a bounded time: an activation that ran is
   * never failed or held up for long because the store is away. A lost record only means the sidecar
   * applies that activation to the action-level statistics without its request number.
   */
  private async settleLineage(write: Promise<Error | null>, rec: LineageRecord): Promise<boolean> {
    const err = await withTimeout('the lineage write', this.opts.lineageWaitMs ?? LINEAGE_WAIT_MS, () => write).catch((e: Error) => e);
    if (err === null) return true;
    this.opts.metrics?.lineageFailures.inc();
    this.opts.log.warn({ worker: rec.workerId, action: rec.action, activationId: rec.activationId, err: err.message }, 'lineage could not be recorded; the activation ran and counts without its request number');
    return false;
  }

  /** Snapshot now (after any request in flight), or schedule it for when the request number reaches `at`. */
  async snapshot(workerId: string, at?: number): Promise<{ snapshot?: SnapshotMeta; scheduledAt?: number }> {
    const w = this.worker(workerId);
    if (at !== undefined && at > w.requestNumber) {
      w.checkpointAt = at;
      return { scheduledAt: at };
    }
    if (at !== undefined && at < w.requestNumber) {
      throw new AgentError(409, 'request_number_passed', `worker ${w.id} is already at request ${w.requestNumber} (> ${at})`);
    }
    const release = await this.acquire(w);
    try {
      if (w.state === 'dead') throw new AgentError(410, 'worker_dead', `worker ${w.id} has ended`);
      return { snapshot: await this.dumpHeld(w) };
    } finally {
      release();
    }
  }

  /** Dumps a worker whose queue the caller holds (so no request is in flight). */
  private async dumpHeld(w: Worker): Promise<SnapshotMeta> {
    w.state = 'dumping';
    const requestNumber = w.requestNumber;
    try {
      const meta = await this.opts.snapshots.create(
        async (imageDir) => {
          // Optional full GC first (measured: no smaller image with Node 20, see docs/agent.md). A runtime
          // without the endpoint (or one that fails it) is dumped as it is.
          if (this.opts.gcBeforeDump === true) await w.handle.runtime.beforeDump().catch(() => undefined);
          await this.backendCall(() => this.opts.backend.dump(w.handle, imageDir));
        },
        () => ({
          action: w.action, node: this.opts.node, backend: this.opts.backend.name, requestNumber, restoreMs: 0, restores: 0,
          createdAt: Date.now(), parentSnapshotId: w.parentSnapshotId, codeDigest: w.digest, workerId: w.id,
          ...(w.chain ? { chain: w.chain } : {}),
        }),
      );
      w.snapshots.push(meta.snapshotId);
      this.opts.metrics?.dumpMs.observe(meta.dumpMs);
      this.opts.metrics?.snapshotBytes.observe(meta.bytes);
      this.opts.log.info({ worker: w.id, snapshotId: meta.snapshotId, requestNumber, dumpMs: meta.dumpMs, bytes: meta.bytes }, 'snapshot taken');
      this.emit('snapshot', meta);
      return meta;
    } catch (err) {
      this.opts.metrics?.failures.inc({ op: 'dump' });
      throw err;
    } finally {
      if (w.state === 'dumping') w.state = 'ready';
    }
  }

  async deleteWorker(workerId: string): Promise<WorkerView> {
    const w = this.workers.get(workerId);
    if (!w) throw new AgentError(404, 'worker_not_found', `no worker ${workerId}`);
    // Wait for the request or dump in flight: evicting mid-dump would leave a half-written image.
    const release = await this.acquire(w);
    try {
      await this.retire(w);
    } finally {
      release();
    }
    return this.view(w);
  }

  private async retire(w: Worker): Promise<void> {
    if (w.state === 'dead') return;
    w.state = 'dead';
    await this.opts.backend.destroy(w.handle);
    this.workers.delete(w.id);
    await this.putWorker(w, true);
    this.opts.metrics?.workers.set(this.workers.size);
    this.emit('worker-ended', this.view(w));
  }

  deleteSnapshot(snapshotId: string): { snapshotId: string; bytesFreed: number } {
    if (this.restoring.has(snapshotId)) throw new AgentError(409, 'snapshot_in_use', `snapshot ${snapshotId} is being restored`);
    const freed = this.opts.snapshots.delete(snapshotId);
    if (freed === null) throw new AgentError(404, 'snapshot_not_found', `no snapshot ${snapshotId}`);
    this.emit('snapshot-deleted', snapshotId);
    return { snapshotId, bytesFreed: freed };
  }

  /** Resolves when the backend's background work is done (see WorkerBackend.whenIdle). */
  async whenIdle(): Promise<void> {
    await this.opts.backend.whenIdle?.();
  }

  async close(): Promise<void> {
    await Promise.all([...this.workers.values()].map((w) => this.retire(w).catch(() => undefined)));
    await this.opts.backend.close();
  }
}
