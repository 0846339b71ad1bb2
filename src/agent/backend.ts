/** What the agent needs from a worker backend (criu: local processes; docker: engine containers). */
import type { RuntimeClient } from './runtime-client';

export interface BackendWorker {
  /** The backend's own name for the worker (process group, container id ...). */
  readonly key: string;
  readonly runtime: RuntimeClient;
  /** Called once when the worker's runtime ends on its own (crash, OOM). */
  onExit(listener: (why: string) => void): void;
}

export interface ColdStartOptions {
  action: string;
  /** Environment for the runtime process. */
  env: Record<string, string>;
}

export interface WorkerBackend {
  readonly name: string;
  /** Prepares the backend (directories, hot stand-by workers); throws a clear error if it cannot work here. */
  start(): Promise<void>;
  /** A new runtime, not yet initialised (the agent sends `/init`). */
  createCold(opts: ColdStartOptions): Promise<BackendWorker>;
  /** Dumps the worker into `imageDir` (created, empty) and leaves it running. */
  dump(worker: BackendWorker, imageDir: string): Promise<void>;
  /** A new worker whose runtime is restored from `imageDir`; ready to serve when it resolves. */
  restore(imageDir: string, opts: { action: string }): Promise<BackendWorker>;
  /** Stops the worker and frees what it holds; idempotent. */
  destroy(worker: BackendWorker): Promise<void>;
  /**
   * Resolves when the backend has no background work left (e.g. topping up its stand-by workers), doing
   * any deferred work now. Benchmarks call it so that this work never runs during a timed request.
   */
  whenIdle?(): Promise<void>;
  close(): Promise<void>;
}

/** A backend failure with a message meant for the API caller. */
export class BackendError extends Error {
  constructor(message: string, readonly kind: 'dump' | 'restore' | 'start' | 'unavailable') {
    super(message);
    this.name = 'BackendError';
  }
}
