/**
 * `bench-curves`: warm-up curves of the benchmark actions, each recorded in one long-lived runtime
 * worker, written as simulator curve files, raw measurements and SVG plots.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { logger } from '../../log/logger';
import { ACTION_NAMES, benchmarkInput } from '../inputs';
import { buildCurveFile, smoothCurve, summarize, WarmupSummary } from './curve';
import { startActionServices } from '../services';
import { curveSvg } from './plot';
import { recordAction } from './record';
import { RestoreMeasurer, RestoreMeasurement } from './restore';

const log = logger('bench-curves');

/** Package all 13 actions are deployed in (wskdeploy.yaml); curve names are fully qualified like OpenWhisk's. */
export const BENCH_NAMESPACE = 'guest/pronghorn-bench';

export interface CurvesOptions {
  repoRoot: string;
  actions: string[];
  requests: number;
  seed: number;
  outDir: string;
  ranges: 'paper' | 'bench';
  restore: RestoreMeasurer;
}

export interface ActionOutcome {
  summary: WarmupSummary;
  coldStartMs: number;
  restore: RestoreMeasurement;
  noise: number;
  files: string[];
}


export async function recordCurves(opts: CurvesOptions): Promise<ActionOutcome[]> {
  for (const a of opts.actions) benchmarkInput(a); // unknown names fail before anything starts
  const services = await startActionServices(opts.actions);
  const outcomes: ActionOutcome[] = [];
  try {
    fs.mkdirSync(path.join(opts.outDir, 'svg'), { recursive: true });
    fs.mkdirSync(path.join(opts.outDir, 'raw'), { recursive: true });
    for (const action of opts.actions) {
      const t0 = Date.now();
      // The machine may be shared: the load average goes into the raw file beside the numbers it affects.
      const loadAtStart = os.loadavg();
      log.info({ action, requests: opts.requests }, 'recording warm-up curve');
      const run = await recordAction(action, {
        repoRoot: opts.repoRoot,
        requests: opts.requests,
        seed: opts.seed,
        ranges: opts.ranges,
        serviceParams: services.paramsFor(action),
        onProgress: (done) => log.debug({ action, done }, 'progress'),
      });
      const restore = await opts.restore(action, services.paramsFor(action));
      const curve = buildCurveFile(`${BENCH_NAMESPACE}/${action}`, run.execMs, run.start, restore.restoreMs);
      const summary = summarize(action, run.execMs);
      const files = [
        path.join(opts.outDir, `${action}.json`),
        path.join(opts.outDir, 'raw', `${action}.json`),
        path.join(opts.outDir, 'svg', `${action}.svg`),
      ];
      fs.writeFileSync(files[0], JSON.stringify(curve) + '\n');
      const raw = {
        action,
        seed: opts.seed,
        ranges: opts.ranges,
        requests: opts.requests,
        start: run.start,
        loadAverage: { start: loadAtStart, end: os.loadavg(), cpus: os.cpus().length },
        restore,
        summary,
        sizes: run.sizes,
        execMs: run.execMs.map((x) => Math.round(x * 1000) / 1000),
        roundTripMs: run.roundTripMs.map((x) => Math.round(x * 1000) / 1000),
      };
      fs.writeFileSync(files[1], JSON.stringify(raw) + '\n');
      fs.writeFileSync(files[2], await curveSvg(`${action}: warm-up in one worker`, run.execMs, smoothCurve(run.execMs)));
      log.info({ seconds: Math.round((Date.now() - t0) / 1000), ...summary, restoreMs: restore.restoreMs }, 'curve recorded');
      outcomes.push({ summary, coldStartMs: curve.coldStartMs, restore, noise: curve.noise, files });
    }
  } finally {
    await services.close();
  }
  return outcomes;
}

/**
 * Measures restoreMs again for curves already recorded (e.g. on a quieter machine) and updates their
 * curve and raw files; the latency curve itself is left as it is.
 */
export async function remeasureRestores(opts: Omit<CurvesOptions, 'requests'>): Promise<{ action: string; before: number; after: RestoreMeasurement }[]> {
  const services = await startActionServices(opts.actions);
  const out: { action: string; before: number; after: RestoreMeasurement }[] = [];
  try {
    for (const action of opts.actions) {
      const curveFile = path.join(opts.outDir, `${action}.json`);
      const rawFile = path.join(opts.outDir, 'raw', `${action}.json`);
      if (!fs.existsSync(curveFile) || !fs.existsSync(rawFile)) throw new Error(`${curveFile} or its raw file is missing: record the curve first`);
      const curve = JSON.parse(fs.readFileSync(curveFile, 'utf8')) as { restoreMs: number };
      const raw = JSON.parse(fs.readFileSync(rawFile, 'utf8')) as Record<string, unknown>;
      const loadAtStart = os.loadavg();
      const after = await opts.restore(action, services.paramsFor(action));
      const before = curve.restoreMs;
      out.push({ action, before, after });
      curve.restoreMs = Math.round(after.restoreMs * 1000) / 1000;
      raw.restore = { ...after, loadAverage: { start: loadAtStart, end: os.loadavg() } };
      fs.writeFileSync(curveFile, JSON.stringify(curve) + '\n');
      fs.writeFileSync(rawFile, JSON.stringify(raw) + '\n');
      log.info({ action, before, restoreMs: after.restoreMs, source: after.source }, 'restoreMs measured again');
    }
  } finally {
    await services.close();
  }
  return out;
}

/** The outcomes of curves already recorded in `outDir` (actions without files are skipped). */
export function readOutcomes(outDir: string, actions: string[]): ActionOutcome[] {
  const outcomes: ActionOutcome[] = [];
  for (const action of actions) {
    const files = [path.join(outDir, `${action}.json`), path.join(outDir, 'raw', `${action}.json`), path.join(outDir, 'svg', `${action}.svg`)];
    if (!fs.existsSync(files[0]) || !fs.existsSync(files[1])) continue;
    const curve = JSON.parse(fs.readFileSync(files[0], 'utf8')) as { coldStartMs: number; noise: number };
    const raw = JSON.parse(fs.readFileSync(files[1], 'utf8')) as { execMs: number[]; restore: RestoreMeasurement };
    outcomes.push({ summary: summarize(action, raw.execMs), coldStartMs: curve.coldStartMs, restore: raw.restore, noise: curve.noise, files });
  }
  return outcomes;
}

/**
 * Rebuilds the curve files and draws the SVG plots again from the raw files (after a change of the
 * smoothing, the noise estimate or the plot); nothing is measured.
 */
export async function replot(outDir: string, actions: string[]): Promise<string[]> {
  const written: string[] = [];
  for (const action of actions) {
    const rawFile = path.join(outDir, 'raw', `${action}.json`);
    if (!fs.existsSync(rawFile)) continue;
    const raw = JSON.parse(fs.readFileSync(rawFile, 'utf8')) as { execMs: number[]; start: { listenMs: number; initMs: number }; restore: RestoreMeasurement };
    const curve = buildCurveFile(`${BENCH_NAMESPACE}/${action}`, raw.execMs, raw.start, raw.restore.restoreMs);
    fs.writeFileSync(path.join(outDir, `${action}.json`), JSON.stringify(curve) + '\n');
    written.push(path.join(outDir, `${action}.json`));
    const file = path.join(outDir, 'svg', `${action}.svg`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, await curveSvg(`${action}: warm-up in one worker`, raw.execMs, smoothCurve(raw.execMs)));
    written.push(file);
  }
  return written;
}

export function defaultActions(): string[] {
  return [...ACTION_NAMES];
}
