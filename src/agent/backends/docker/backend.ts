/**
 * The docker backend: workers are containers of the runtime image (dist/runtime/server.js listening on
 * 8080), created through the engine's API. Docker: checkpoint create + start from checkpoint. Docker
 * cannot reliably restore a checkpoint into a *new* container (moby#37344, custom checkpoint dirs broken
 * since 17.12), so when a podman socket is configured the backend uses podman for every call:
 * checkpoints are exported as archives and imported into new containers, many times over.
 *
 * NOT RUN AGAINST A LIVE ENGINE (none on the development machines): request shapes are unit-tested
 * against a fake engine; see docs/agent.md for what remains to verify on a real invoker node.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../../log/logger';
import { BackendError, type BackendWorker, type ColdStartOptions, type WorkerBackend } from '../../backend';
import { RuntimeClient } from '../../runtime-client';
import { DockerEngine, EngineError, PodmanEngine, type ContainerSpec } from './engine';

export interface DockerBackendOptions {
  dockerSocket: string;
  /** When set, podman's API does everything (restore into new containers works there). */
  podmanSocket?: string;
  image: string;
  log: Logger;
  readyTimeoutMs?: number;
  /** Port the runtime listens on inside the container (8080, as OpenWhisk's runtimes). */
  runtimePort?: number;
}

const CHECKPOINT_NAME = 'pronghorn';
const ARCHIVE = 'checkpoint.tar';

class ContainerWorker implements BackendWorker {
  private listeners: ((why: string) => void)[] = [];
  constructor(readonly key: string, readonly runtime: RuntimeClient, readonly spec: ContainerSpec) {}
  onExit(listener: (why: string) => void): void {
    this.listeners.push(listener);
  }
}

export class DockerBackend implements WorkerBackend {
  readonly name: string;
  private readonly docker?: DockerEngine;
  private readonly podman?: PodmanEngine;
  private readonly live = new Set<ContainerWorker>();

  constructor(private readonly opts: DockerBackendOptions) {
    if (opts.podmanSocket) this.podman = new PodmanEngine(opts.podmanSocket);
    else this.docker = new DockerEngine(opts.dockerSocket);
    this.name = opts.podmanSocket ? 'podman' : 'docker';
  }

  async start(): Promise<void> {
    try {
      await (this.podman ?? this.docker)!.ping();
    } catch (err) {
      const socket = this.opts.podmanSocket ?? this.opts.dockerSocket;
      throw new BackendError(`container engine not reachable at ${socket}: ${(err as Error).message}`, 'unavailable');
    }
  }

  private spec(action: string, env: Record<string, string>): ContainerSpec {
    const key = `pronghorn-${randomBytes(6).toString('hex')}`;
    return {
      name: key,
      image: this.opts.image,
      env: { ...env, UV_USE_IO_URING: '0', PRONGHORN_RUNTIME_LISTEN: String(this.opts.runtimePort ?? 8080) },
      labels: { 'pronghorn.action': action, 'pronghorn.worker': key },
    };
  }

  private async attach(id: string, spec: ContainerSpec): Promise<ContainerWorker> {
    const ip = await (this.podman ?? this.docker)!.ipAddress(id);
    const worker = new ContainerWorker(id, new RuntimeClient({ url: `http://${ip}:${this.opts.runtimePort ?? 8080}` }), spec);
    await worker.runtime.waitReady(this.opts.readyTimeoutMs ?? 30_000);
    this.live.add(worker);
    return worker;
  }

  private async guarded<T>(kind: BackendError['kind'], id: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (id) await this.removeQuietly(id);
      const msg = err instanceof EngineError || err instanceof Error ? err.message : String(err);
      throw new BackendError(`${this.name} ${kind} failed: ${msg}`, kind);
    }
  }

  async createCold(opts: ColdStartOptions): Promise<BackendWorker> {
    const spec = this.spec(opts.action, opts.env);
    const engine = (this.podman ?? this.docker)!;
    const id = await this.guarded('start', undefined, () => engine.create(spec));
    return this.guarded('start', id, async () => {
      await engine.start(id);
      return this.attach(id, spec);
    });
  }

  async dump(worker: BackendWorker, imageDir: string): Promise<void> {
    fs.mkdirSync(imageDir, { recursive: true, mode: 0o700 });
    await this.guarded('dump', undefined, async () => {
      if (this.podman) await this.podman.checkpointExport(worker.key, path.join(imageDir, ARCHIVE));
      else await this.docker!.checkpoint(worker.key, CHECKPOINT_NAME, imageDir);
    });
  }

  async restore(imageDir: string, opts: { action: string }): Promise<BackendWorker> {
    const spec = this.spec(opts.action, {});
    if (this.podman) {
      const podman = this.podman;
      const id = await this.guarded('restore', undefined, () => podman.restoreImport(path.join(imageDir, ARCHIVE), spec.name));
      return this.guarded('restore', id, () => this.attach(id, spec));
    }
    // Docker: a new container started from the checkpoint directory. Known to fail on many Docker
    // versions (moby#37344); configure PRONGHORN_PODMAN_SOCKET where it does.
    const docker = this.docker!;
    const id = await this.guarded('restore', undefined, () => docker.create(spec));
    return this.guarded('restore', id, async () => {
      await docker.start(id, { checkpoint: CHECKPOINT_NAME, checkpointDir: imageDir });
      return this.attach(id, spec);
    });
  }

  private async removeQuietly(id: string): Promise<void> {
    try {
      await (this.podman ?? this.docker)!.remove(id);
    } catch (err) {
      this.opts.log.error({ container: id, err: (err as Error).message }, 'could not remove container');
    }
  }

  async destroy(worker: BackendWorker): Promise<void> {
    this.live.delete(worker as ContainerWorker);
    await this.removeQuietly(worker.key);
  }

  async close(): Promise<void> {
    await Promise.all([...this.live].map((w) => this.destroy(w)));
  }
}
