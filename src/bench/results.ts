/** The data a bench run produces, and its per-cell summary (what `--json` prints). */
import { convergenceRequests, geometricMean, improvementPct, median, quantile } from './latencyStats';

/** How the worker that served a request came to be. */
export type StartKind = 'warm' | 'cold' | 'restore';

export interface RequestSample {
  /** 0-based index of the request in its cell. */
  i: number;
  /** End-to-end latency seen by the client in ms, including any wait for a new worker. */
  e2eMs: number;
  /** Execution-only latency: the `/run` call as the invoker timed it, in ms. */
  execMs: number;
  /** Time the request waited for its worker (cold start, restore, or a stand-by still starting), ms. */
  startWaitMs: number;
  /** Warm = worker reused; otherwise how the new worker was made. */
  start: StartKind;
  /** Request number of the runtime state after this request (inherited across restores). */
  requestNumber: number;
  /** On a worker's first request: the request number it started at (0 cold, k restored from a snapshot at k). */
  startedAtRequest?: number;
  statusCode: number;
}

export interface CellResult {
  action: string;
  policy: string;
  eviction: string;
  samples: RequestSample[];
  coldStarts: number;
  restores: number;
  snapshots: number;
  /** Snapshots pruned (and deleted through the agent). */
  pruned: number;
  dumpMs: number[];
  restoreMs: number[];
  /** Bytes of snapshot images alive at the end of the cell. */
  diskBytes: number;
  /** Agent calls that failed after retries and fell back to a cold start. */
  fallbacks: number;
  /** Request numbers at which restored workers continued (first request after each restore). */
  restoredAt: number[];
  /** Request numbers of the snapshots taken, in order. */
  snapshotRequestNumbers: number[];
}

export interface CellSummary {
  action: string;
  policy: string;
  eviction: string;
  requests: number;
  medianMs: number;
  p99Ms: number;
  execMedianMs: number;
  execP99Ms: number;
  /** Over fixed:1 for the same action and eviction; null for fixed:1 itself or when it is missing. */
  improvementPct: number | null;
  convergenceRequests: number | null;
  snapshots: number;
  pruned: number;
  coldStarts: number;
  restores: number;
  dumpMsMedian: number | null;
  restoreMsMedian: number | null;
  diskMB: number;
  fallbacks: number;
  errors: number;
}

export interface BenchConfig {
  actions: string[];
  policies: string[];
  evictions: string[];
  requests: number;
  seed: number;
  quick: boolean;
  eventsVia: string;
  store: string;
  agentBackend: string;
  standbys: number;
  /** Absent in results written before the option existed (they ran without it). */
  prefaultStandbys?: boolean;
}

export interface BenchResults {
  version: 1;
  startedAt: string;
  finishedAt: string;
  host: { node: string; platform: string; cpus: number };
  config: BenchConfig;
  summary: CellSummary[];
  headline: Headline;
  cells: CellResult[];
}

const round = (v: number, digits = 3) => (Number.isFinite(v) ? Number(v.toFixed(digits)) : v);
const medianOrNull = (v: number[]) => (v.length ? round(median(v)) : null);

export function summarizeCells(cells: readonly CellResult[], baselinePolicy = 'fixed:1'): CellSummary[] {
  const baselineMedian = new Map<string, number>();
  for (const c of cells) {
    if (c.policy === baselinePolicy) baselineMedian.set(`${c.action}\u0000${c.eviction}`, median(c.samples.map((s) => s.e2eMs)));
  }
  return cells.map((c) => {
    const e2e = c.samples.map((s) => s.e2eMs);
    const exec = c.samples.map((s) => s.execMs);
    const med = median(e2e);
    const base = baselineMedian.get(`${c.action}\u0000${c.eviction}`);
    return {
      action: c.action,
      policy: c.policy,
      eviction: c.eviction,
      requests: c.samples.length,
      medianMs: round(med),
      p99Ms: round(quantile(e2e, 0.99)),
      execMedianMs: round(median(exec)),
      execP99Ms: round(quantile(exec, 0.99)),
      improvementPct: c.policy === baselinePolicy || base === undefined ? null : round(improvementPct(base, med), 2),
      convergenceRequests: convergenceRequests(e2e),
      snapshots: c.snapshots,
      pruned: c.pruned,
      coldStarts: c.coldStarts,
      restores: c.restores,
      dumpMsMedian: medianOrNull(c.dumpMs),
      restoreMsMedian: medianOrNull(c.restoreMs),
      diskMB: round(c.diskBytes / 1e6, 1),
      fallbacks: c.fallbacks,
      errors: c.samples.filter((s) => s.statusCode !== 0).length,
    };
  });
}

/** The closing numbers the issue asks for, per candidate policy. */
export interface PolicyHeadline {
  policy: string;
  /** Geometric mean improvement at the smallest E over actions improving by more than 5 %. */
  geoMeanImprovingPct: number | null;
  improvingActions: number;
  actionsAtE: number;
  worst: { action: string; eviction: string; improvementPct: number } | null;
  /** Median of convergenceRequests over this policy's cells; a cell that never converged counts as its length. */
  medianConvergence: number | null;
  /** Cells of this policy that never converged within their run. */
  notConverged: number;
}

export interface Headline {
  eviction: string;
  policies: PolicyHeadline[];
}

export function headline(summary: readonly CellSummary[], candidates: readonly string[], eviction: string): Headline {
  return {
    eviction,
    policies: candidates.map((policy) => {
      const mine = summary.filter((s) => s.policy === policy && s.improvementPct !== null);
      const atE = mine.filter((s) => s.eviction === eviction);
      const improving = atE.filter((s) => (s.improvementPct as number) > 5).map((s) => s.improvementPct as number);
      const worst = mine.reduce<CellSummary | null>(
        (w, s) => (w === null || (s.improvementPct as number) < (w.improvementPct as number) ? s : w),
        null,
      );
      const cellsOfPolicy = summary.filter((s) => s.policy === policy);
      const conv = cellsOfPolicy.map((s) => s.convergenceRequests ?? s.requests);
      return {
        policy,
        geoMeanImprovingPct: improving.length ? round(geometricMean(improving), 2) : null,
        improvingActions: improving.length,
        actionsAtE: atE.length,
        worst: worst ? { action: worst.action, eviction: worst.eviction, improvementPct: worst.improvementPct as number } : null,
        medianConvergence: conv.length ? median(conv) : null,
        notConverged: cellsOfPolicy.filter((s) => s.convergenceRequests === null).length,
      };
    }),
  };
}

/** Exactly what `pronghorn bench --json` prints. */
export function jsonCells(summary: readonly CellSummary[]) {
  return {
    cells: summary.map((s) => ({
      action: s.action,
      policy: s.policy,
      eviction: s.eviction,
      medianMs: s.medianMs,
      p99Ms: s.p99Ms,
      improvementPct: s.improvementPct,
      convergenceRequests: s.convergenceRequests,
      snapshots: s.snapshots,
    })),
  };
}
