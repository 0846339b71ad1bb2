/**
 * From one worker's per-request latencies to the simulator's curve file and the closing-note numbers.
 */
import { median } from '../latencyStats';

/** The simulator's curve file (bench/curves/<action>.json). */
export interface CurveFile {
  name: string;
  /** Process start + /init + the first request's excess over the warm latency, ms. */
  coldStartMs: number;
  /** Time to restore a worker from a snapshot, ms. */
  restoreMs: number;
  /** Latency of request number n at index n-1 (a rolling median of the measurement), ms. */
  latencyMs: number[];
  /** Relative sd of single requests around the curve (0.1 = 10 %), at most 1 (the simulator's bound). */
  noise: number;
}

export interface WarmupSummary {
  action: string;
  requests: number;
  coldFirstMs: number;
  median1to10: number;
  median100to200: number;
  median1900to2000: number | null;
}

/** Requests kept exactly as measured: the first ones are each their own point of the warm-up. */
const EXACT_PREFIX = 20;
const MAX_HALF_WINDOW = 25;

/**
 * A rolling median whose window widens with the request number (half-width n/10, at most 25), so the
 * steep start of the curve keeps its shape while the long flat tail loses single-request noise.
 */
export function smoothCurve(raw: readonly number[]): number[] {
  return raw.map((value, i) => {
    if (i < EXACT_PREFIX) return value;
    const half = Math.min(MAX_HALF_WINDOW, Math.floor((i + 1) / 10));
    const lo = Math.max(EXACT_PREFIX, i - half);
    const hi = Math.min(raw.length, i + half + 1);
    return median(raw.slice(lo, hi));
  });
}

/** Robust relative sd (1.4826 × MAD) of raw/curve − 1 beyond the exact prefix. */
export function relativeNoise(raw: readonly number[], curve: readonly number[]): number {
  const ratios: number[] = [];
  for (let i = EXACT_PREFIX; i < raw.length; i++) if (curve[i] > 0) ratios.push(raw[i] / curve[i] - 1);
  if (ratios.length === 0) return 0;
  const m = median(ratios);
  return 1.4826 * median(ratios.map((r) => Math.abs(r - m)));
}

/** Median of requests first..last (1-based, inclusive); null when the run is shorter. */
export function windowMedian(raw: readonly number[], first: number, last: number): number | null {
  if (raw.length < last) return null;
  return median(raw.slice(first - 1, last));
}

export function summarize(action: string, raw: readonly number[]): WarmupSummary {
  return {
    action,
    requests: raw.length,
    coldFirstMs: raw[0],
    median1to10: windowMedian(raw, 1, Math.min(10, raw.length)) ?? NaN,
    median100to200: windowMedian(raw, 100, 200) ?? NaN,
    median1900to2000: windowMedian(raw, 1900, 2000),
  };
}

/** The warm latency a cold start is compared with: the median of the last 100 requests (or fewer). */
export function warmMs(raw: readonly number[]): number {
  return median(raw.slice(Math.max(0, raw.length - 100)));
}

export function buildCurveFile(
  name: string,
  raw: readonly number[],
  start: { listenMs: number; initMs: number },
  restoreMs: number,
): CurveFile {
  const curve = smoothCurve(raw);
  const excess = Math.max(0, raw[0] - warmMs(raw));
  const round = (x: number): number => Math.round(x * 1000) / 1000;
  return {
    name,
    coldStartMs: round(start.listenMs + start.initMs + excess),
    restoreMs: round(restoreMs),
    latencyMs: curve.map(round),
    // Sizes drawn over a 10-100x range make some actions noisier than that; the simulator takes at most 1.
    noise: round(Math.min(1, relativeNoise(raw, curve))),
  };
}
