/**
 * Latency curves for the simulator: JSON files (synthetic ones under bench/curves/synthetic/, recorded
 * ones under bench/curves/) and generators for the synthetic families used by the benchmark.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** Extra fields (e.g. those of recorded curves) are allowed and ignored. */
export const curveSchema = z.object({
  name: z.string().min(1),
  coldStartMs: z.number().finite().nonnegative(),
  restoreMs: z.number().finite().nonnegative(),
  latencyMs: z.array(z.number().finite().nonnegative()).min(1),
  /** Relative standard deviation of the Gaussian noise applied to every latency and start cost. */
  noise: z.number().finite().nonnegative().max(1).optional(),
  /**
   * Standard deviation of the log of a runtime state's own speed factor: a cold process, and every
   * snapshot when it is dumped, draws one, and its requests take the curve's latency times that factor
   * (the JIT and heap state of one moment; measured between snapshots of one bench cell at E=1: about
   * 0.1). 0 or absent: every state runs at the curve.
   */
  stateSpread: z.number().finite().nonnegative().max(1).optional(),
  /**
   * Standard deviation of the log of a cold process's lasting speed factor, inherited by every state
   * descending from it (snapshots and their restores): some processes of an action simply run slower
   * than others (measured on the upload action: three of six cold workers at 19–21 ms, three at 26–28).
   * 0 or absent: every process runs at the curve.
   */
  rootSpread: z.number().finite().nonnegative().max(1).optional(),
});
export type Curve = z.output<typeof curveSchema>;

export class CurveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CurveError';
  }
}

export function parseCurve(data: unknown, source = 'curve'): Curve {
  const parsed = curveSchema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new CurveError(`${source}: not a latency curve (${issues.length} problem${issues.length > 1 ? 's' : ''}): ${issues.slice(0, 5).join('; ')}`);
  }
  return parsed.data;
}

export function loadCurve(file: string): Curve {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CurveError(`${file}: cannot read (${(err as Error).message})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new CurveError(`${file}: not JSON (${(err as Error).message})`);
  }
  return parseCurve(data, file);
}

export interface ExpCurveSpec {
  name: string;
  baseMs: number;
  ampMs: number;
  /** Decay constant in requests; Infinity or ampMs 0 give a flat curve. */
  tau: number;
  coldStartMs: number;
  restoreMs: number;
  noise: number;
  length: number;
}

/** ℓ(n) = base + amp·e^(−n/τ) for n = 1..length. */
export function exponentialCurve(s: ExpCurveSpec): Curve {
  const latencyMs = Array.from({ length: s.length }, (_, i) => +(s.baseMs + s.ampMs * Math.exp(-(i + 1) / s.tau)).toFixed(4));
  return { name: s.name, coldStartMs: s.coldStartMs, restoreMs: s.restoreMs, latencyMs, noise: s.noise };
}

/**
 * The benchmark's synthetic families. A JIT-like action: 10 ms warm, 50 ms on its first requests,
 * cold start (process + /init) 60 ms, restore 20 ms; and an I/O-bound one whose restore (a large image
 * to fetch) costs more than the cold start it replaces, with no warm-up to gain.
 */
export function syntheticCurves(length = 4000): Curve[] {
  const jit = (tau: number): Curve =>
    exponentialCurve({ name: `exp-tau${tau}`, baseMs: 10, ampMs: 40, tau, coldStartMs: 60, restoreMs: 20, noise: 0.05, length });
  return [
    jit(30),
    jit(300),
    jit(3000),
    exponentialCurve({ name: 'flat-io', baseMs: 100, ampMs: 0, tau: 1, coldStartMs: 40, restoreMs: 150, noise: 0.05, length: 1 }),
  ];
}
