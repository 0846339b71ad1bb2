/**
 * The simple baselines: `cold` (never snapshot), `fixed:N` (one snapshot after request N, reused by
 * every later worker; fixed:1 is the paper's "state of the art") and `init` (one snapshot right after
 * initialisation, before any request: SnapStart-style; it is fixed:0).
 */
import type { ActionView, Policy, PolicyContext, SnapshotRecord, StartDecision } from './types';

export class ColdPolicy implements Policy {
  readonly name = 'cold';
  readonly params = {};

  chooseStart(): StartDecision {
    return { source: { kind: 'cold' }, checkpointAt: null, retireAt: null, reason: 'cold policy' };
  }

  admitSnapshot(): boolean {
    return false;
  }

  prune(): string[] {
    return [];
  }
}

export class FixedPolicy implements Policy {
  readonly params: Readonly<{ requestNumber: number }>;

  constructor(
    readonly name: string,
    requestNumber: number,
  ) {
    this.params = { requestNumber };
  }

  chooseStart(view: ActionView, ctx: PolicyContext): StartDecision {
    const n = this.params.requestNumber;
    if (view.pool.length === 0) {
      return { source: { kind: 'cold' }, checkpointAt: n, retireAt: null, reason: `no snapshot yet: cold, dump after request ${n}` };
    }
    // The entry with the largest request number <= N; any entry if none qualifies (the artifact's rule).
    let best: SnapshotRecord | null = null;
    for (const s of view.pool) {
      if (s.requestNumber <= n && (best === null || s.requestNumber > best.requestNumber)) best = s;
    }
    const chosen = best ?? view.pool[ctx.rng.int(view.pool.length)];
    return {
      source: { kind: 'snapshot', snapshotId: chosen.snapshotId, requestNumber: chosen.requestNumber },
      checkpointAt: null,
      retireAt: null,
      reason: `restore the snapshot at ${chosen.requestNumber}`,
    };
  }

  /** One snapshot, ever: later ones (e.g. from concurrent cold starts) are refused. */
  admitSnapshot(view: ActionView): boolean {
    return view.pool.length === 0;
  }

  prune(): string[] {
    return [];
  }
}
