/**
 * restoreMs of a curve: measured with the agent's criu backend (src/agent/backends/criu) on a worker
 * warmed by `warmRequests` requests: one dump, then `restores` restores of that image, each timed from
 * the restore call until the runtime answers; the median is the value. Where CRIU cannot run, the
 * documented value is used instead (criu-on-these-machines.md: plain CRIU restores of a Node.js
 * process took 0.06–0.18 s; we take the middle, 120 ms) and the curve's raw file says so.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CriuBackend } from '../../agent/backends/criu/backend';
import type { BackendWorker, WorkerBackend } from '../../agent/backend';
import { logger } from '../../log/logger';
import { median } from '../latencyStats';
import { InputGenerator } from '../inputs';
import { actionSource } from './record';

const log = logger('bench-curves');

export const DOCUMENTED_RESTORE_MS = 120;

export interface RestoreMeasurement {
  restoreMs: number;
  source: 'criu' | 'documented';
  /** Why the documented value was used. */
  reason?: string;
  /** Each restore, ms. */
  samples?: number[];
  dumpMs?: number;
  imageMB?: number;
  /** Execution time of the first request after each restore, ms. */
  firstRequestAfterRestoreMs?: number[];
  warmRequests?: number;
}

export type RestoreMeasurer = (action: string, serviceParams: Record<string, unknown>) => Promise<RestoreMeasurement>;

export function documentedRestore(reason: string): RestoreMeasurer {
  return async () => ({ restoreMs: DOCUMENTED_RESTORE_MS, source: 'documented', reason });
}

function dirSizeMB(dir: string): number {
  let bytes = 0;
  for (const f of fs.readdirSync(dir)) bytes += fs.statSync(path.join(dir, f)).size;
  return Math.round((bytes / 1e6) * 10) / 10;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface CriuRestoreOptions {
  repoRoot: string;
  criuBin: string;
  seed: number;
  ranges: 'paper' | 'bench';
  warmRequests: number;
  restores: number;
  /** Pause before each restore so that the backend's stand-by worker is ready, ms. */
  standbyWaitMs?: number;
}

/** A measurer that uses the agent's criu backend, falling back to the documented value on failure. */
export function criuRestore(opts: CriuRestoreOptions): RestoreMeasurer {
  return async (action, serviceParams) => {
    try {
      return await measureWithCriu(action, serviceParams, opts);
    } catch (err) {
      const reason = `criu measurement failed: ${(err as Error).message.slice(0, 500)}`;
      log.warn({ action, reason }, 'restoreMs falls back to the documented value');
      return { restoreMs: DOCUMENTED_RESTORE_MS, source: 'documented', reason };
    }
  };
}

async function measureWithCriu(
  action: string,
  serviceParams: Record<string, unknown>,
  opts: CriuRestoreOptions,
): Promise<RestoreMeasurement> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pronghorn-curves-criu-'));
  const backend: WorkerBackend = new CriuBackend({
    dataDir,
    criuBin: opts.criuBin,
    runtimeEntry: path.join(opts.repoRoot, 'dist', 'runtime', 'server.js'),
    supervisorEntry: path.join(opts.repoRoot, 'dist', 'agent', 'backends', 'criu', 'supervisor.js'),
    standby: 1,
    codeDir: path.join(dataDir, 'code'),
    log,
  });
  const workers: BackendWorker[] = [];
  try {
    await backend.start();
    const env = { NODE_PATH: path.join(opts.repoRoot, 'node_modules'), UV_USE_IO_URING: '0' };
    const cold = await backend.createCold({ action, env });
    workers.push(cold);
    const init = await cold.runtime.init({ name: action, main: 'main', code: actionSource(opts.repoRoot, action), binary: false, env: {} });
    if (init.status !== 200) throw new Error(`/init failed (${init.status}): ${JSON.stringify(init.body)}`);
    const inputs = new InputGenerator(action, { seed: opts.seed + 1, ranges: opts.ranges, serviceParams });
    for (let i = 0; i < opts.warmRequests; i++) {
      const r = await cold.runtime.run({ value: inputs.next() });
      if (r.status !== 200) throw new Error(`warm-up request failed (${r.status}): ${JSON.stringify(r.body).slice(0, 300)}`);
    }
    const imageDir = path.join(dataDir, 'image');
    const t0 = process.hrtime.bigint();
    await backend.dump(cold, imageDir);
    const dumpMs = Number(process.hrtime.bigint() - t0) / 1e6;
    await backend.destroy(cold);
    workers.pop();
    const samples: number[] = [];
    const firstRequestAfterRestoreMs: number[] = [];
    for (let i = 0; i < opts.restores; i++) {
      // Let the stand-by supervisor come up first, as the agent's pool has one ready in production: the
      // time measured is the restore itself, not the start of a worker's namespaces.
      await sleep(opts.standbyWaitMs ?? 2000);
      const t1 = process.hrtime.bigint();
      const restored = await backend.restore(imageDir, { action });
      workers.push(restored);
      await restored.runtime.waitReady(15000);
      samples.push(Number(process.hrtime.bigint() - t1) / 1e6);
      const r = await restored.runtime.run({ value: inputs.next() });
      if (r.status !== 200) throw new Error(`request after restore failed (${r.status}): ${JSON.stringify(r.body).slice(0, 300)}`);
      firstRequestAfterRestoreMs.push(Math.round((r.execMs ?? r.ms) * 1000) / 1000);
      await backend.destroy(restored);
      workers.pop();
    }
    return {
      restoreMs: median(samples),
      source: 'criu',
      samples: samples.map((s) => Math.round(s * 1000) / 1000),
      dumpMs: Math.round(dumpMs * 1000) / 1000,
      imageMB: dirSizeMB(imageDir),
      firstRequestAfterRestoreMs,
      warmRequests: opts.warmRequests,
    };
  } finally {
    for (const w of workers) await backend.destroy(w).catch(() => undefined);
    await backend.close().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
