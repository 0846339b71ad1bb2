/**
 * One ingest batch as both stores prepare it: grouped by action and stream, redeliveries screened out
 * by the stream's watermark, lineage joined, late lineage held back, and the rest summed into one delta
 * per group. Pure; the stores differ only in where they read lineage and watermarks and how they apply.
 */
import type { ActivationFact, IngestResult, LineageRecord } from './types';
import { DeltaBuilder, type ActionDelta } from './delta';
import { planActivation, type PlanConfig } from './plan';
import { advance, screen, type Watermark } from './watermark';

/** Lineage of a fact: a record, none (apply without), or late (hold back and retry). */
export type Joined = LineageRecord | null | 'late';

/** Facts by action, each list in arrival order. */
export function groupByAction(facts: ActivationFact[]): Map<string, ActivationFact[]> {
  const byAction = new Map<string, ActivationFact[]>();
  for (const f of facts) {
    const list = byAction.get(f.action);
    if (list) list.push(f);
    else byAction.set(f.action, [f]);
  }
  return byAction;
}

/** Facts of one action, grouped by stream ('' for facts without one), each group in arrival order. */
export function groupByStream(facts: readonly ActivationFact[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  for (let k = 0; k < facts.length; k++) {
    const stream = facts[k].stream ?? '';
    const list = groups.get(stream);
    if (list) list.push(k);
    else groups.set(stream, [k]);
  }
  return groups;
}

export interface GroupPlan {
  /** '' when the facts carry no stream (no watermark is read or written). */
  stream: string;
  applied: number;
  withLineage: number;
  duplicates: number;
  rewound: number;
  pending: ActivationFact[];
  delta: ActionDelta;
  /** The stream's watermark once the delta is in (null without stream or when nothing is applied). */
  watermark: Watermark | null;
}

export interface GroupConfig extends PlanConfig {
  ewmaAlpha: number;
}

/**
 * Plans one (action, stream) group. `indices` point into `facts` and `joined` (same length as facts).
 * A fact whose lineage is late holds back every later fact of its stream too: the watermark may only
 * pass offsets that are in the store.
 */
export function planGroup(
  stream: string,
  facts: readonly ActivationFact[],
  indices: readonly number[],
  joined: readonly Joined[],
  wm: Watermark | null,
  cfg: GroupConfig,
): GroupPlan {
  const group = indices.map((k) => facts[k]);
  const s = stream === '' ? { fresh: group, duplicates: 0, rewound: 0 } : screen(group, wm);
  const freshSet = s.fresh.length === group.length ? null : new Set(s.fresh);
  const builder = new DeltaBuilder(cfg.ewmaAlpha);
  const plan: GroupPlan = { stream, applied: 0, withLineage: 0, duplicates: s.duplicates, rewound: 0, pending: [], delta: builder.delta, watermark: null };
  const applied: ActivationFact[] = [];
  for (let i = 0; i < group.length; i++) {
    const fact = group[i];
    if (freshSet && !freshSet.has(fact)) continue;
    const lin = joined[indices[i]];
    if (lin === 'late' || plan.pending.length > 0) {
      plan.pending.push(fact);
      continue;
    }
    builder.add(planActivation(fact, lin, cfg), fact.timestamp);
    applied.push(fact);
    if (lin) plan.withLineage++;
  }
  plan.applied = applied.length;
  // Rewound facts that were held back are counted when they are applied.
  if (s.rewound > 0 && wm) plan.rewound = applied.filter((f) => (f.offset ?? Infinity) <= wm.offset).length;
  if (stream !== '' && applied.length > 0) plan.watermark = advance(wm, applied, plan.rewound > 0);
  return plan;
}

/** Adds a group's counts to the batch result. */
export function addToResult(result: IngestResult, g: GroupPlan): void {
  result.applied += g.applied;
  result.duplicates += g.duplicates;
  result.rewound += g.rewound;
  result.withLineage += g.withLineage;
  result.withoutLineage += g.applied - g.withLineage;
  for (const f of g.pending) result.pending.push(f);
}

export function emptyResult(): IngestResult {
  return { applied: 0, duplicates: 0, rewound: 0, withLineage: 0, withoutLineage: 0, pending: [] };
}
