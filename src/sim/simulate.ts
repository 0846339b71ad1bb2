/**
 * The simulator: one policy against one latency curve, no processes. It drives the policy exactly as the
 * sidecar's loop does (Policy's contract in src/policy/types.ts): prune and decide at every worker
 * start, feed every request to the same statistics update as the store, dump at the decided request
 * number, admit and prune after each snapshot, and record each worker's lifetime when it is evicted.
 *
 * Model (issue 3): a worker at request number n takes latencyMs[n-1] (the last value beyond the end)
 * times noise; its first request also pays coldStartMs (cold) or restoreMs (restored), times noise.
 * Workers are evicted after E requests (or earlier when the policy retires them). Dumps cost nothing
 * on the critical path here (the agent dumps between requests, leaving the worker running).
 * With `stateSpread`, every runtime state has a speed factor of its own: drawn for a cold process and
 * for each snapshot when it is dumped, inherited by the workers restored from it. With `rootSpread`, a
 * cold process draws a lasting factor as well, which every state descending from it keeps. Snapshots
 * carry their line's first requests (`chain`), as the agent's do.
 */
import { createRng } from '../policy/rng';
import { emptyStats, recordRequest, recordStart, recordWorkerEnd, defaultRecordConfig, slotEditLog, type RecordConfig } from '../policy/stats';
import type { Policy, PolicyContext, SnapshotRecord, WorkerOrigin } from '../policy/types';
import type { LineageChain } from '../store/types';
import { extendChain } from '../store/chain';
import type { Curve } from './curve';

export interface SimOptions {
  /** Worker lifetime in requests. */
  eviction: number;
  requests: number;
  seed: number;
  /** How the statistics set restore transients apart (the simulator's curves have none: 0). */
  record?: RecordConfig;
}

export interface SimRun {
  /** End-to-end latency of every request, in order (ms). */
  latencies: Float64Array;
  snapshots: number;
  maxPool: number;
  coldStarts: number;
  restores: number;
  /** Request number each request ran at (for plots and tests). */
  requestNumbers: Int32Array;
}

export function simulate(curve: Curve, policy: Policy, o: SimOptions): SimRun {
  const policyRng = createRng(o.seed);
  // A separate stream for noise, so a policy's choices cannot shift the noise other policies see.
  const noiseRng = createRng(o.seed ^ 0x5bd1e995);
  const noise = curve.noise ?? 0;
  const jitter = (x: number): number => (noise > 0 ? x * Math.max(0.01, 1 + noise * noiseRng.gaussian()) : x);
  // Its own stream as well, so the draws do not shift the request noise when the spread is 0.
  const stateRng = createRng(o.seed ^ 0x2c1b3c6d);
  const spread = curve.stateSpread ?? 0;
  const stateFactor = (): number => (spread > 0 ? Math.exp(spread * stateRng.gaussian()) : 1);
  const factors = new Map<string, number>();
  // Drawn only when set, from a fourth stream: runs without it stay identical to before.
  const rootRng = createRng(o.seed ^ 0x7f4a7c15);
  const rootSpreadSd = curve.rootSpread ?? 0;
  const rootFactor = (): number => (rootSpreadSd > 0 ? Math.exp(rootSpreadSd * rootRng.gaussian()) : 1);
  /** Per snapshot, its root's factor (kept only with a spread: without one every root's is 1). */
  const rootFactors = new Map<string, number>();
  const lat = curve.latencyMs;
  // Updated in place: the edit log lets the pronghorn estimator skip the slots a request did not touch.
  const stats = emptyStats();
  stats.slotEdits = slotEditLog();
  const pool: SnapshotRecord[] = [];
  const view = { stats, pool };
  const record = o.record ?? defaultRecordConfig;
  const ctx: PolicyContext = { rng: policyRng, now: 0, configuredLifetime: o.eviction };
  const latencies = new Float64Array(o.requests);
  const requestNumbers = new Int32Array(o.requests);
  let served = 0;
  let snapshots = 0;
  let maxPool = 0;
  let coldStarts = 0;
  let restores = 0;

  const removeFromPool = (ids: string[]): void => {
    if (ids.length === 0) return;
    for (let i = pool.length - 1; i >= 0; i--) if (ids.includes(pool[i].snapshotId)) pool.splice(i, 1);
  };
  const dump = (n: number, parent: string | null, root: number, chain: LineageChain): void => {
    const snap: SnapshotRecord = {
      snapshotId: `${curve.name}#${snapshots}`,
      action: curve.name,
      node: 'sim',
      requestNumber: n,
      bytes: 0,
      dumpMs: 0,
      restoreMs: 0,
      createdAt: ctx.now,
      parentSnapshotId: parent,
      // Lines are never changed in place (store/chain.ts), so the snapshot shares its worker's.
      chain,
    };
    snapshots++;
    // Drawn for every dump, admitted or not, so the draws do not depend on the policy's admissions.
    factors.set(snap.snapshotId, stateFactor() * root);
    if (rootSpreadSd > 0) rootFactors.set(snap.snapshotId, root);
    if (!policy.admitSnapshot(view, snap, ctx)) return;
    pool.push(snap);
    removeFromPool(policy.prune(view, ctx, 'afterSnapshot'));
    // The pool as held between steps (a lazy pruner such as the artifact's holds C + 1 until the next start).
    maxPool = Math.max(maxPool, pool.length);
  };

  while (served < o.requests) {
    removeFromPool(policy.prune(view, ctx, 'beforeStart'));
    const d = policy.chooseStart(view, ctx);
    let origin: WorkerOrigin = { kind: 'cold' };
    let n = 0;
    let startMs: number;
    let parent: string | null = null;
    let factor: number;
    let root: number;
    let chain: LineageChain;
    const snap = d.source.kind === 'snapshot' ? pool.find((s) => s.snapshotId === (d.source as { snapshotId: string }).snapshotId) : undefined;
    if (snap) {
      origin = { kind: 'snapshot', snapshotId: snap.snapshotId, requestNumber: snap.requestNumber };
      n = snap.requestNumber;
      parent = snap.snapshotId;
      startMs = jitter(curve.restoreMs);
      snap.restoreMs = startMs;
      factor = factors.get(snap.snapshotId) ?? 1;
      root = rootFactors.get(snap.snapshotId) ?? 1;
      chain = snap.chain!;
      restores++;
    } else {
      startMs = jitter(curve.coldStartMs);
      root = rootFactor();
      factor = stateFactor() * root;
      chain = { rootId: `${curve.name}@${coldStarts}`, firstMs: [] };
      coldStarts++;
    }
    recordStart(stats, origin, startMs);
    if (d.checkpointAt === n) dump(n, parent, root, chain);
    let c = 0;
    // At least one request per worker, whatever retireAt says, so a run always ends.
    while (c < o.eviction && served < o.requests && (c === 0 || d.retireAt === null || n < d.retireAt)) {
      n++;
      c++;
      const ms = jitter(lat[Math.min(n, lat.length) - 1] * factor);
      const e2e = ms + (c === 1 ? startMs : 0);
      latencies[served] = e2e;
      requestNumbers[served] = n;
      served++;
      ctx.now += e2e;
      recordRequest(stats, { requestNumber: n, requestsSinceStart: c, origin, latencyMs: ms }, record);
      chain = extendChain(chain, n, ms);
      if (n === d.checkpointAt) dump(n, parent, root, chain);
    }
    // A worker cut short by the end of the run did not reach its natural end: not a lifetime sample.
    if (c === o.eviction || (d.retireAt !== null && n >= d.retireAt)) recordWorkerEnd(stats, c);
  }
  return { latencies, snapshots, maxPool, coldStarts, restores, requestNumbers };
}
