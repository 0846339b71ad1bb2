/**
 * `npm run bench:snapshot`: checkpoint/restore figures of one Node.js action worker after N requests,
 * measured through the agent's core (the path the sidecar's calls take, minus HTTP to the agent).
 *
 * - dumpMs: snapshot of the running worker (CRIU dump, --leave-running), `dumps` times.
 * - restoreMs: from "restore this snapshot" until the worker is ready to /run (stand-by worker taken,
 *   CRIU restore, the runtime's after-restore call answered), `restores` times, one at a time.
 * - coldFirstRequestMs: a fresh runtime's /init + first /run (round trips agent → runtime; what a cold
 *   worker's first activation costs once its process is up); restoredFirstRequestMs: a restored
 *   worker's first /run round trip (it needs no /init). Medians. The /run-only cold figure is in details.
 * - transientRequests: after a restore, the number of requests until the action's execution time
 *   settles: the first k such that the median execution time of requests k+1..k+W is within
 *   `factor` × the original worker's warm median (its last 20% of requests); median over restores.
 */
import os from 'node:os';
import type { Logger } from '../log/logger';
import { quantile } from '../bench/latencyStats';
import { createAgent, createCriuBackend } from './index';
import { agentSettings } from './settings';

/** A JIT-sensitive action: object building, JSON, sorting, string work, arithmetic. */
export const BENCH_ACTION = `
function score(s) { let h = 0; for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0; return h; }
function main(params) {
  const n = params.n || 400;
  const rows = [];
  for (let i = 0; i < n; i++) rows.push({ id: i, name: 'item-' + ((i * 7919) % n), v: Math.sin(i) * 1000 });
  const parsed = JSON.parse(JSON.stringify(rows));
  parsed.sort((a, b) => a.v - b.v);
  let acc = 0;
  for (const r of parsed) acc += score(r.name) % 1000 + Math.sqrt(Math.abs(r.v));
  const words = parsed.map((r) => r.name.toUpperCase()).join(' ').split(' ').filter((w) => /7$/.test(w)).length;
  return { acc: Math.round(acc), words, first: parsed[0].id };
}`;

export interface SnapshotBenchOptions {
  dataDir: string;
  criuBin?: string;
  /** NODE_OPTIONS of the runtime processes (default: the agent setting). */
  runtimeNodeOptions?: string;
  /** Full GC in the runtime before each dump (default false). */
  gcBeforeDump?: boolean;
  /** Restores ask the runtime to walk its heap before it is ready, as stand-bys do (default false). */
  prefault?: boolean;
  /** Pre-started `criu restore` in stand-by workers (default: the agent setting). */
  prewarm?: boolean;
  requests: number;
  dumps: number;
  restores: number;
  colds: number;
  transientRequests: number;
  window: number;
  factor: number;
  log: Logger;
  progress?: (msg: string) => void;
}

export interface SnapshotBenchResult {
  dumpMsP50: number;
  dumpMsP90: number;
  restoreMsP50: number;
  restoreMsP90: number;
  imageMB: number;
  coldFirstRequestMs: number;
  restoredFirstRequestMs: number;
  transientRequests: number;
  details: {
    requests: number;
    dumps: number[];
    restores: number[];
    coldStartMs: number[];
    coldFirstRequests: number[];
    coldFirstRunOnlyMs: number[];
    restoredFirstRequests: number[];
    coldFirstExecMs: number;
    restoredFirstExecMs: number;
    warmExecMs: number;
    warmRoundTripMs: number;
    transientPerRestore: (number | null)[];
    transientMethod: string;
    loadAverage: number[];
    cpus: number;
    runtimeNodeOptions: string;
    gcBeforeDump: boolean;
    prefault: boolean;
    prewarm: boolean;
    dataDir: string;
    targets: { restoreP50le100: boolean; dumpP50le150: boolean; restoredFirstLe25PctCold: boolean };
  };
}

const p = (v: number[], q: number): number => Number(quantile(v, q).toFixed(2));

export function transientLength(execMs: number[], warm: number, window: number, factor: number): number | null {
  for (let k = 0; k + window <= execMs.length; k++) {
    if (quantile(execMs.slice(k, k + window), 0.5) <= warm * factor) return k;
  }
  return null;
}

export async function runSnapshotBench(o: SnapshotBenchOptions): Promise<SnapshotBenchResult> {
  const say = o.progress ?? (() => undefined);
  const store = { recordLineage: async () => undefined, putWorker: async () => undefined };
  const backend = createCriuBackend({ dataDir: o.dataDir, criuBin: o.criuBin, standby: 2, runtimeNodeOptions: o.runtimeNodeOptions, prewarm: o.prewarm, log: o.log });
  const agent = await createAgent({ store, dataDir: o.dataDir, token: 'bench-snapshot-not-listening', backend, log: o.log, gcBeforeDump: o.gcBeforeDump });
  const core = agent.core;
  const action = 'bench/snapshot';
  const init = { name: 'bench', main: 'main', code: BENCH_ACTION, binary: false, env: {} };
  const value = { n: 400 };
  const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 300)); // let the stand-by pool refill
  try {
    const coldStartMs: number[] = [];
    const coldFirst: number[] = [];
    const coldFirstRun: number[] = [];
    const coldFirstExec: number[] = [];
    for (let i = 0; i < o.colds; i++) {
      await settle();
      // Straight to a fresh runtime (a started stand-by process), so /init and the first /run are timed apart.
      const t0 = process.hrtime.bigint();
      const h = await backend.createCold({ action, env: {} });
      try {
        const initReply = await h.runtime.init(init);
        if (initReply.status !== 200) throw new Error(`cold /init failed: ${JSON.stringify(initReply.body)}`);
        coldStartMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
        const r = await h.runtime.run({ value });
        if (r.status !== 200) throw new Error(`cold /run failed: ${JSON.stringify(r.body)}`);
        coldFirst.push(initReply.ms + r.ms);
        coldFirstRun.push(r.ms);
        coldFirstExec.push(r.execMs ?? NaN);
      } finally {
        await backend.destroy(h);
      }
    }
    say(`cold first request (/init + /run): ${coldFirst.map((v) => v.toFixed(1)).join(', ')} ms`);

    await settle();
    const main = await core.createWorker({ action, init });
    const exec: number[] = [];
    const rtt: number[] = [];
    for (let i = 0; i < o.requests; i++) {
      const r = await core.run(main.workerId, { value });
      exec.push(r.timings.executionMs ?? NaN);
      rtt.push(r.timings.roundTripMs);
    }
    const tailFrom = Math.floor(o.requests * 0.8);
    const warmExec = quantile(exec.slice(tailFrom), 0.5);
    const warmRtt = quantile(rtt.slice(tailFrom), 0.5);
    say(`served ${o.requests} requests; warm execution ${warmExec.toFixed(3)} ms, round trip ${warmRtt.toFixed(3)} ms`);

    const dumps: number[] = [];
    const sizes: number[] = [];
    const snapshotIds: string[] = [];
    for (let i = 0; i < o.dumps; i++) {
      await settle();
      const { snapshot } = await core.snapshot(main.workerId);
      dumps.push(snapshot!.dumpMs);
      sizes.push(snapshot!.bytes);
      snapshotIds.push(snapshot!.snapshotId);
    }
    say(`dumps: ${dumps.map((v) => v.toFixed(0)).join(', ')} ms`);
    await core.deleteWorker(main.workerId);
    const snap = snapshotIds[0];

    const restores: number[] = [];
    const restoredFirst: number[] = [];
    const restoredFirstExec: number[] = [];
    const transients: (number | null)[] = [];
    for (let i = 0; i < o.restores; i++) {
      await settle();
      const w = await core.createWorker({ action, snapshotId: snap, prefault: o.prefault === true });
      restores.push(w.startMs);
      const series: number[] = [];
      for (let k = 0; k < o.transientRequests; k++) {
        const r = await core.run(w.workerId, { value });
        if (k === 0) {
          restoredFirst.push(r.timings.roundTripMs);
          restoredFirstExec.push(r.timings.executionMs ?? NaN);
        }
        series.push(r.timings.executionMs ?? NaN);
      }
      transients.push(transientLength(series, warmExec, o.window, o.factor));
      await core.deleteWorker(w.workerId);
    }
    say(`restores: ${restores.map((v) => v.toFixed(0)).join(', ')} ms`);
    for (const id of snapshotIds) core.deleteSnapshot(id);

    const settled = transients.map((t) => t ?? o.transientRequests);
    const result: SnapshotBenchResult = {
      dumpMsP50: p(dumps, 0.5),
      dumpMsP90: p(dumps, 0.9),
      restoreMsP50: p(restores, 0.5),
      restoreMsP90: p(restores, 0.9),
      imageMB: Number((quantile(sizes, 0.5) / 1e6).toFixed(1)),
      coldFirstRequestMs: p(coldFirst, 0.5),
      restoredFirstRequestMs: p(restoredFirst, 0.5),
      transientRequests: Math.round(quantile(settled, 0.5)),
      details: {
        requests: o.requests,
        dumps,
        restores,
        coldStartMs,
        coldFirstRequests: coldFirst,
        coldFirstRunOnlyMs: coldFirstRun,
        restoredFirstRequests: restoredFirst,
        coldFirstExecMs: p(coldFirstExec, 0.5),
        restoredFirstExecMs: p(restoredFirstExec, 0.5),
        warmExecMs: Number(warmExec.toFixed(3)),
        warmRoundTripMs: Number(warmRtt.toFixed(3)),
        transientPerRestore: transients,
        transientMethod:
          `first k where the median execution time of requests k+1..k+${o.window} after the restore is <= ${o.factor} x the warm median ` +
          `(requests ${tailFrom + 1}-${o.requests} of the original worker); null = not settled within ${o.transientRequests}`,
        loadAverage: os.loadavg().map((v) => Number(v.toFixed(2))),
        runtimeNodeOptions: o.runtimeNodeOptions ?? agentSettings.load().runtimeNodeOptions,
        gcBeforeDump: o.gcBeforeDump === true,
        prefault: o.prefault === true,
        prewarm: o.prewarm ?? agentSettings.load().criuPrewarm,
        dataDir: o.dataDir,
        cpus: os.cpus().length,
        targets: { restoreP50le100: false, dumpP50le150: false, restoredFirstLe25PctCold: false },
      },
    };
    result.details.targets = {
      restoreP50le100: result.restoreMsP50 <= 100,
      dumpP50le150: result.dumpMsP50 <= 150,
      restoredFirstLe25PctCold: result.restoredFirstRequestMs <= 0.25 * result.coldFirstRequestMs,
    };
    return result;
  } finally {
    await agent.close();
  }
}
