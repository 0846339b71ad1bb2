/**
 * A worker backend without CRIU or namespaces: each worker is a plain child process running the action
 * runtime on a Unix socket. It can only start workers cold; the embedded mode uses it where CRIU
 * cannot run (not root, CRIU missing), to show the cold baseline instead of nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BackendError, type BackendWorker, type ColdStartOptions, type WorkerBackend } from '../agent/backend';
import { distEntry } from '../agent/entries';
import { RuntimeClient } from '../agent/runtime-client';
import { stopChild } from '../infra/processes';

class PlainWorker implements BackendWorker {
  private listeners: ((why: string) => void)[] = [];
  constructor(
    readonly key: string,
    readonly runtime: RuntimeClient,
    readonly proc: ChildProcess,
    readonly dir: string,
  ) {
    proc.on('exit', (code, signal) => {
      const l = this.listeners;
      this.listeners = [];
      for (const f of l) f(`runtime exited (code ${code}, signal ${signal})`);
    });
  }
  onExit(listener: (why: string) => void): void {
    this.listeners.push(listener);
  }
}

export class PlainProcessBackend implements WorkerBackend {
  readonly name = 'plain (no CRIU)';
  private readonly live = new Set<PlainWorker>();
  private readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'pronghorn-plain-'));

  async start(): Promise<void> {
    distEntry('runtime/server');
  }

  async createCold(opts: ColdStartOptions): Promise<BackendWorker> {
    const key = `p${randomBytes(6).toString('hex')}`;
    const dir = path.join(this.root, key);
    fs.mkdirSync(dir, { mode: 0o700 });
    const socket = path.join(dir, 'runtime.sock');
    const proc = spawn(process.execPath, [distEntry('runtime/server')], {
      stdio: ['ignore', 'ignore', 'ignore'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...opts.env, PRONGHORN_RUNTIME_LISTEN: socket, PRONGHORN_RUNTIME_CODE_DIR: path.join(this.root, 'code') },
    });
    const worker = new PlainWorker(key, new RuntimeClient({ socketPath: socket }), proc, dir);
    this.live.add(worker);
    try {
      await worker.runtime.waitReady(15_000);
    } catch (err) {
      await this.destroy(worker);
      throw new BackendError(`cold start failed: ${(err as Error).message}`, 'start');
    }
    return worker;
  }

  async dump(): Promise<void> {
    throw new BackendError('snapshots need CRIU, which cannot run here', 'unavailable');
  }

  async restore(): Promise<BackendWorker> {
    throw new BackendError('restores need CRIU, which cannot run here', 'unavailable');
  }

  async destroy(worker: BackendWorker): Promise<void> {
    const w = worker as PlainWorker;
    if (!this.live.delete(w)) return;
    await stopChild(w.proc, 2_000);
    fs.rmSync(w.dir, { recursive: true, force: true });
  }

  async close(): Promise<void> {
    await Promise.all([...this.live].map((w) => this.destroy(w)));
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
