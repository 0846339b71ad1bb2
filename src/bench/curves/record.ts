/**
 * Records the warm-up curve of one action: a fresh runtime worker, /init, then `requests` activations
 * with seeded inputs, one at a time, keeping the execution time of each request number.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InputGenerator } from '../inputs';
import { RuntimeWorker, StartTimings } from './worker';

export interface RecordOptions {
  repoRoot: string;
  requests: number;
  seed: number;
  ranges: 'paper' | 'bench';
  /** Params of the local services (object store endpoint, ffmpeg path). */
  serviceParams: Record<string, unknown>;
  onProgress?: (done: number) => void;
}

export interface RecordedRun {
  action: string;
  start: StartTimings;
  /** Execution time of request n at index n-1, ms (as the runtime measured it around main). */
  execMs: number[];
  /** Round trip of each request through the runtime's HTTP server, ms. */
  roundTripMs: number[];
  /** Sizes drawn, per request. */
  sizes: number[];
}

export function actionSource(repoRoot: string, action: string): string {
  return fs.readFileSync(path.join(repoRoot, 'actions', action, 'index.js'), 'utf8');
}

export async function recordAction(action: string, opts: RecordOptions): Promise<RecordedRun> {
  const serverJs = path.join(opts.repoRoot, 'dist', 'runtime', 'server.js');
  if (!fs.existsSync(serverJs)) throw new Error(`${serverJs} is missing: run npm run build first`);
  const generator = new InputGenerator(action, { seed: opts.seed, ranges: opts.ranges, serviceParams: opts.serviceParams });
  const worker = new RuntimeWorker({ serverJs, nodeModules: path.join(opts.repoRoot, 'node_modules') });
  const execMs: number[] = [];
  const roundTripMs: number[] = [];
  const sizes: number[] = [];
  try {
    const start = await worker.start(action, actionSource(opts.repoRoot, action));
    for (let n = 1; n <= opts.requests; n++) {
      const params = generator.next();
      const reply = await worker.run(params, `${action}-${n}`);
      const body = reply.body as Record<string, unknown> | null;
      if (reply.status !== 200 || !body || body.error !== undefined) {
        throw new Error(`${action} request ${n} failed (${reply.status}): ${JSON.stringify(body).slice(0, 500)}`);
      }
      execMs.push(reply.execMs);
      roundTripMs.push(reply.roundTripMs);
      sizes.push(params.size);
      if (n % 100 === 0) opts.onProgress?.(n);
    }
    return { action, start, execMs, roundTripMs, sizes };
  } finally {
    await worker.stop();
  }
}
