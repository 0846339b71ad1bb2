/**
 * A worker backend for unit tests: each worker is an in-process runtime app on its own Unix socket.
 * "Dumps" write a marker file; "restores" start a fresh runtime initialised with the dumped code.
 * Failures can be switched on to test the agent's error paths.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { BackendError, type BackendWorker, type WorkerBackend } from '../../../src/agent/backend';
import { RuntimeClient } from '../../../src/agent/runtime-client';
import { buildRuntimeApp } from '../../../src/runtime/app';

class FakeWorker implements BackendWorker {
  listeners: ((why: string) => void)[] = [];
  constructor(readonly key: string, readonly runtime: RuntimeClient, readonly app: FastifyInstance) {}
  onExit(l: (why: string) => void): void {
    this.listeners.push(l);
  }
}

export class FakeBackend implements WorkerBackend {
  readonly name = 'fake';
  failDump = false;
  failRestore = false;
  /** Every /run the runtimes received, in order, as `workerKey:activationId`. */
  runsSeen: string[] = [];
  destroyed: string[] = [];
  private n = 0;
  private readonly live = new Set<FakeWorker>();

  constructor(private readonly dir: string, private readonly onRun?: (activationId: string) => void) {}

  async start(): Promise<void> {
    fs.mkdirSync(this.dir, { recursive: true });
  }

  private async spawnWorker(): Promise<FakeWorker> {
    const key = `fake${++this.n}`;
    const app = buildRuntimeApp({ codeDir: this.dir, writeLog: () => undefined });
    app.addHook('preHandler', async (req) => {
      if (req.url === '/run') {
        const id = (req.body as { activation_id?: string }).activation_id ?? '';
        this.runsSeen.push(`${key}:${id}`);
        this.onRun?.(id);
      }
    });
    const socketPath = path.join(this.dir, `${key}.sock`);
    await app.listen({ path: socketPath });
    const w = new FakeWorker(key, new RuntimeClient({ socketPath }), app);
    this.live.add(w);
    return w;
  }

  createCold(): Promise<BackendWorker> {
    return this.spawnWorker();
  }

  async dump(worker: BackendWorker, imageDir: string): Promise<void> {
    if (this.failDump) throw new BackendError('criu dump failed: induced', 'dump');
    fs.mkdirSync(imageDir, { recursive: true });
    fs.writeFileSync(path.join(imageDir, 'state.img'), `dump of ${worker.key}`);
  }

  async restore(imageDir: string): Promise<BackendWorker> {
    if (this.failRestore) throw new BackendError('criu restore failed: induced', 'restore');
    if (!fs.existsSync(path.join(imageDir, 'state.img'))) throw new BackendError('no image', 'restore');
    return this.spawnWorker();
  }

  async destroy(worker: BackendWorker): Promise<void> {
    const w = worker as FakeWorker;
    if (!this.live.delete(w)) return;
    this.destroyed.push(w.key);
    await w.app.close();
  }

  async close(): Promise<void> {
    await Promise.all([...this.live].map((w) => this.destroy(w)));
  }
}
