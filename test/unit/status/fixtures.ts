/** Statistics of made-up actions for the status tests. */
import type { SnapshotRecord } from '../../../src/store/types';
import type { CurveInputPoint, Moments, StatusInput } from '../../../src/status/types';

export function moments(values: number[]): Moments {
  let count = 0;
  let mean = 0;
  let m2 = 0;
  for (const v of values) {
    count++;
    const d = v - mean;
    mean += d / count;
    m2 += d * (v - mean);
  }
  return { count, mean, m2 };
}

/** A curve whose slot n has mean f(n), observed `count` times with no spread. */
export function curve(ns: number[], f: (n: number) => number, count = 3): CurveInputPoint[] {
  return ns.map((n) => ({ n, count, mean: f(n), m2: 0 }));
}

export function snapshot(action: string, requestNumber: number, restoreMs = 0): SnapshotRecord {
  return {
    snapshotId: `snap-${requestNumber}`,
    action,
    node: 'node-a',
    requestNumber,
    bytes: 16 * 1048576,
    dumpMs: 110,
    restoreMs,
    createdAt: 1_764_320_000_000 + requestNumber,
    parentSnapshotId: null,
  };
}

export function input(partial: Partial<StatusInput> & { action: string }): StatusInput {
  return {
    curve: [],
    transient: [],
    coldStart: moments([]),
    restore: moments([]),
    lifetime: moments([]),
    counters: { activations: 0, coldStarts: 0, restores: 0 },
    pool: [],
    ...partial,
  };
}

/** A JIT-like action: 20 ms at request 1 falling to 2 ms; cold start 50 ms, restore 10 ms. */
export function warmingAction(name = 'guest/demo/wordcount'): StatusInput {
  const ns = Array.from({ length: 300 }, (_, i) => i + 1);
  return input({
    action: name,
    curve: curve(ns, (n) => 2 + 18 * Math.exp(-n / 30)),
    coldStart: moments([50, 50]),
    restore: moments([10, 10]),
    lifetime: moments([4, 4]),
    counters: { activations: 600, coldStarts: 5, restores: 40 },
    pool: [snapshot(name, 1), snapshot(name, 100), snapshot(name, 250)],
  });
}
