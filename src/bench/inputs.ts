/**
 * Seeded inputs for the 13 benchmark actions in actions/, shared by their tests and the benchmarks.
 *
 * Each request draws an input size ~ Gaussian(mean (min+max)/2, sd √mutability·scaling), clipped to
 * [min, max] (pronghorn-policy.md §7.1), and a fresh 32-bit data seed; the action builds its data from
 * `{seed, size}` only, so the same params always give the same result. The artifact sets `scaling` per
 * benchmark without saying how; we use (max−min)/6 so that ±3 sd spans the range.
 */
import prand from 'pure-rand';

export interface SizeRange {
  min: number;
  max: number;
}

/** A service an action needs, supplied by whoever invokes it (the benchmark starts local ones). */
export type ActionService = 'objectStore' | 'ffmpeg';

export interface BenchmarkInput {
  /** Folder under actions/ (also the action's name in wskdeploy.yaml). */
  action: string;
  /** What `size` counts. */
  unit: string;
  /** The paper's input range. */
  paper: SizeRange;
  /**
   * The range the warm-up curve benchmark draws from: the paper's, except a lighter one for the slowest
   * actions so that 2,000 requests of all 13 fit in about a quarter of an hour on 2 cores.
   */
  bench: SizeRange;
  /** Constant params added to every request of the benchmark ranges (lighter inputs, like `bench`). */
  benchParams?: Record<string, unknown>;
  services?: ActionService[];
}

export const BENCHMARK_INPUTS: readonly BenchmarkInput[] = [
  { action: 'bfs', unit: 'graph nodes (Barabási–Albert, m = 10)', paper: { min: 10, max: 1000 }, bench: { min: 10, max: 1000 } },
  { action: 'dfs', unit: 'graph nodes (Barabási–Albert, m = 10)', paper: { min: 10, max: 1000 }, bench: { min: 10, max: 1000 } },
  { action: 'mst', unit: 'graph nodes (Barabási–Albert, m = 10)', paper: { min: 10, max: 1000 }, bench: { min: 10, max: 1000 } },
  { action: 'pagerank', unit: 'graph nodes (Barabási–Albert, m = 10)', paper: { min: 10, max: 200 }, bench: { min: 10, max: 200 } },
  { action: 'dynamic-html', unit: 'random numbers rendered', paper: { min: 10000, max: 50000 }, bench: { min: 5000, max: 25000 } },
  { action: 'html-rendering', unit: 'items rendered', paper: { min: 10000, max: 100000 }, bench: { min: 1000, max: 10000 } },
  { action: 'compression', unit: 'times the directory is zipped', paper: { min: 1, max: 10 }, bench: { min: 1, max: 10 } },
  { action: 'hash', unit: 'bytes hashed', paper: { min: 50000, max: 1000000 }, bench: { min: 50000, max: 1000000 } },
  { action: 'word-count', unit: 'lines of text', paper: { min: 2500, max: 50000 }, bench: { min: 625, max: 12500 } },
  { action: 'matrix-multiplication', unit: 'matrix dimension', paper: { min: 100, max: 400 }, bench: { min: 100, max: 400 } },
  {
    action: 'thumbnail',
    unit: 'resizes of one JPEG',
    paper: { min: 1, max: 10 },
    bench: { min: 1, max: 10 },
    benchParams: { width: 160, height: 120 },
  },
  {
    action: 'video',
    unit: 'ffmpeg operations (gif, watermark, mp3 in turn)',
    paper: { min: 1, max: 5 },
    bench: { min: 1, max: 3 },
    benchParams: { seconds: 0.5 },
    services: ['ffmpeg'],
  },
  {
    action: 'upload',
    unit: 'bytes uploaded',
    paper: { min: 2400000, max: 2400000 },
    bench: { min: 2400000, max: 2400000 },
    services: ['objectStore'],
  },
];

export const ACTION_NAMES: readonly string[] = BENCHMARK_INPUTS.map((b) => b.action);

export function benchmarkInput(action: string): BenchmarkInput {
  const spec = BENCHMARK_INPUTS.find((b) => b.action === action);
  if (!spec) throw new Error(`unknown benchmark action ${JSON.stringify(action)} (known: ${ACTION_NAMES.join(', ')})`);
  return spec;
}

/** Seeded uniform [0, 1) and standard normal draws (Box–Muller). */
export class SeededRandom {
  private readonly generator: prand.RandomGenerator;
  private spare: number | undefined;

  constructor(seed: number) {
    this.generator = prand.xoroshiro128plus(seed >>> 0);
    // Nearby seeds start from nearly equal states; a jump (2^64 steps) decorrelates them.
    this.generator.unsafeJump?.();
  }

  uint32(): number {
    return this.generator.unsafeNext() >>> 0;
  }

  uniform(): number {
    return this.uint32() / 4294967296;
  }

  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    const u1 = 1 - this.uniform(); // (0, 1]: log stays finite
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }
}

/** The sd of the size distribution: √mutability·scaling with scaling = (max−min)/6. */
export function sizeSd(range: SizeRange, mutability = 1): number {
  return Math.sqrt(mutability) * ((range.max - range.min) / 6);
}

/** One size draw: Gaussian around the middle of the range, clipped to it, rounded to an integer. */
export function drawSize(random: SeededRandom, range: SizeRange, mutability = 1): number {
  const value = (range.min + range.max) / 2 + random.normal() * sizeSd(range, mutability);
  return Math.round(Math.min(range.max, Math.max(range.min, value)));
}

export interface InputGeneratorOptions {
  /** Seed of the whole request sequence (the paper's is 42). */
  seed?: number;
  /** The paper's workload variance knob; 1 in its evaluation. */
  mutability?: number;
  /** Which range to draw from: the paper's (default) or the lighter benchmark one. */
  ranges?: 'paper' | 'bench';
  /** Params of the services the action needs, e.g. `{ endpoint }` for upload, `{ ffmpeg }` for video. */
  serviceParams?: Record<string, unknown>;
}

export type ActionParams = Record<string, unknown> & { seed: number; size: number };

/** Params for successive requests of one action: reproducible for a given (action, options). */
export class InputGenerator {
  readonly spec: BenchmarkInput;
  private readonly random: SeededRandom;
  private readonly range: SizeRange;
  private readonly mutability: number;
  private readonly extra: Record<string, unknown>;

  constructor(action: string, opts: InputGeneratorOptions = {}) {
    this.spec = benchmarkInput(action);
    this.random = new SeededRandom(opts.seed ?? 42);
    this.range = opts.ranges === 'bench' ? this.spec.bench : this.spec.paper;
    this.mutability = opts.mutability ?? 1;
    const fixed = opts.ranges === 'bench' ? (this.spec.benchParams ?? {}) : {};
    this.extra = { ...fixed, ...(opts.serviceParams ?? {}) };
  }

  next(): ActionParams {
    const size = drawSize(this.random, this.range, this.mutability);
    const seed = this.random.uint32();
    return { ...this.extra, seed, size };
  }
}
