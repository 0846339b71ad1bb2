/**
 * A grid of simulations (curves × policies × evictions) summarised per cell as `pronghorn simulate`
 * prints it. fixed:1 is always simulated for each curve and eviction, as the reference of the improvement.
 */
import { createPolicy } from '../policy/registry';
import type { Curve } from './curve';
import { convergenceRequests, defaultConvergence, improvementPct, median, percentileSorted, type ConvergenceOptions } from './metrics';
import { simulate, type SimRun } from './simulate';

export interface ExperimentOptions {
  curves: Curve[];
  policies: string[];
  evictions: number[];
  requests: number;
  seed: number;
  convergence?: ConvergenceOptions;
}

export interface ResultRow {
  curve: string;
  policy: string;
  eviction: number;
  medianMs: number;
  p90Ms: number;
  p99Ms: number;
  improvementPct: number;
  convergenceRequests: number | null;
  snapshots: number;
  maxPool: number;
}

export const BASELINE_POLICY = 'fixed:1';

export function summarise(run: SimRun, baselineMedian: number, conv: ConvergenceOptions): Omit<ResultRow, 'curve' | 'policy' | 'eviction'> {
  const sorted = Float64Array.from(run.latencies).sort();
  const med = median(sorted);
  return {
    medianMs: med,
    p90Ms: percentileSorted(sorted, 0.9),
    p99Ms: percentileSorted(sorted, 0.99),
    improvementPct: improvementPct(baselineMedian, med),
    convergenceRequests: convergenceRequests(run.latencies, conv),
    snapshots: run.snapshots,
    maxPool: run.maxPool,
  };
}

export function runExperiment(o: ExperimentOptions): ResultRow[] {
  const conv = o.convergence ?? defaultConvergence;
  // Validate every spec before simulating anything.
  for (const p of o.policies) createPolicy(p);
  const rows: ResultRow[] = [];
  for (const curve of o.curves) {
    for (const eviction of o.evictions) {
      const sim = (spec: string): SimRun => simulate(curve, createPolicy(spec), { eviction, requests: o.requests, seed: o.seed });
      const baselineMedian = median(sim(BASELINE_POLICY).latencies);
      for (const policy of o.policies) {
        rows.push({ curve: curve.name, policy, eviction, ...summarise(sim(policy), baselineMedian, conv) });
      }
    }
  }
  return rows;
}
