/**
 * `artifact`: the authors' request-centric policy as their public artifact implements it
 * (pronghorn-policy.md §3), flaws included, so our improvements are measured against the original:
 * an EWMA per request number read in whole µs, V(k) = mean speed 10⁶/(ℓ̂+1) over the E request numbers
 * a worker restored at k would serve, a softmax over raw V of pool + cold, a checkpoint point drawn
 * proportionally to V, a fixed horizon M, and lazy pruning by p, γ and capacity.
 *
 * Where our store cannot reproduce it exactly: ℓ̂ is the store's float EWMA (ε = 0.5) truncated to whole
 * µs when read, not truncated after every update; and the pool cannot hold one entry twice, so random
 * survivors drawn twice (with replacement, as the artifact does) count once.
 */
import { z } from 'zod';
import { roundHalfEven, slotOf, findSlot } from './stats';
import type { ActionView, Policy, PolicyContext, Rng, SnapshotRecord, StartDecision, PruneMoment } from './types';

export const artifactParamsSchema = z
  .object({
    capacity: z.coerce.number().int().min(1).default(14).describe('C: prune when the pool holds more than C entries'),
    p: z.coerce.number().min(0).max(1).default(0.4).describe('fraction of the pool kept by value when pruning'),
    gamma: z.coerce.number().min(0).max(1).default(0.1).describe('fraction of the remaining entries kept at random'),
    horizon: z.coerce.number().int().min(2).max(512).default(200).describe('M: snapshots only at n < M; workers retire at n = M'),
    eviction: z.coerce.number().int().min(1).optional().describe('E (default: the platform\'s fixed lifetime, else the learned mean, else 1)'),
    unitUs: z.coerce.number().positive().default(1000).describe('µs per latency unit: the artifact scores µs'),
    truncate: z.union([z.boolean(), z.enum(['true', 'false']).transform((s) => s === 'true')]).default(true).describe('truncate ℓ̂ to whole µs (flaw 2)'),
    withReplacement: z.union([z.boolean(), z.enum(['true', 'false']).transform((s) => s === 'true')]).default(true).describe('draw random survivors with replacement (flaw 3)'),
  })
  .strict();
export type ArtifactParams = z.output<typeof artifactParamsSchema>;
export const artifactDefaults: ArtifactParams = artifactParamsSchema.parse({});

/** Softmax over raw scores, shifted by the maximum so large scores cannot overflow. */
export function softmax(scores: readonly number[]): number[] {
  const max = Math.max(...scores);
  const w = scores.map((s) => Math.exp(s - max));
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / total);
}

/** Probabilities proportional to non-negative weights (uniform if they are all 0). */
export function proportional(weights: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  return total > 0 ? weights.map((x) => x / total) : weights.map(() => 1 / weights.length);
}

/** Index drawn from a probability vector. */
export function drawIndex(probabilities: readonly number[], rng: Rng): number {
  let u = rng.next();
  for (let i = 0; i < probabilities.length; i++) {
    u -= probabilities[i];
    if (u < 0) return i;
  }
  return probabilities.length - 1;
}

const UNOBSERVED_SPEED = 1e6;

export class ArtifactPolicy implements Policy {
  readonly name: string;

  constructor(
    readonly params: ArtifactParams,
    name = 'artifact',
  ) {
    this.name = name;
  }

  private eviction(view: ActionView, ctx: PolicyContext): number {
    if (this.params.eviction !== undefined) return this.params.eviction;
    if (ctx.configuredLifetime !== undefined) return ctx.configuredLifetime;
    const lt = view.stats.lifetime;
    return lt.count > 0 ? Math.max(1, roundHalfEven(lt.mean)) : 1;
  }

  /** ℓ̂[n] in µs as the artifact holds it (0 = unobserved); ℓ̂[M] mirrors ℓ̂[M-1]. */
  private estimateUs(view: ActionView, n: number): number {
    const at = Math.min(n, this.params.horizon - 1);
    const i = findSlot(view.stats.slots, slotOf(at));
    if (i < 0) return 0;
    const us = view.stats.slots[i].ewma * this.params.unitUs;
    return this.params.truncate ? Math.trunc(us) : us;
  }

  /** V(k): mean of 10⁶/(ℓ̂[n]+1) over n in k+1 .. min(k+E, M); unobserved slots score 10⁶. */
  value(view: ActionView, ctx: PolicyContext, k: number): number {
    const last = Math.min(k + this.eviction(view, ctx), this.params.horizon);
    if (last <= k) return UNOBSERVED_SPEED;
    let sum = 0;
    for (let n = k + 1; n <= last; n++) {
      const us = this.estimateUs(view, n);
      sum += us === 0 ? UNOBSERVED_SPEED : 1e6 / (us + 1);
    }
    return sum / (last - k);
  }

  /** Probabilities of cold (index 0) and of each pool entry (index i + 1). */
  startProbabilities(view: ActionView, ctx: PolicyContext): number[] {
    return softmax([this.value(view, ctx, 0), ...view.pool.map((s) => this.value(view, ctx, s.requestNumber))]);
  }

  /** Candidate checkpoint points for a worker starting at r, with their probabilities. */
  targetProbabilities(view: ActionView, ctx: PolicyContext, r: number): { targets: number[]; probabilities: number[] } {
    const span = Math.max(0, Math.min(this.eviction(view, ctx), this.params.horizon - r - 1));
    const targets = Array.from({ length: span }, (_, i) => r + 1 + i);
    return { targets, probabilities: proportional(targets.map((t) => this.value(view, ctx, t))) };
  }

  chooseStart(view: ActionView, ctx: PolicyContext): StartDecision {
    const retireAt = this.params.horizon;
    let start = 0;
    let source: StartDecision['source'] = { kind: 'cold' };
    let reason = 'pool empty: cold';
    if (view.pool.length > 0) {
      const i = drawIndex(this.startProbabilities(view, ctx), ctx.rng);
      if (i === 0) {
        reason = 'softmax chose cold';
      } else {
        const s = view.pool[i - 1];
        source = { kind: 'snapshot', snapshotId: s.snapshotId, requestNumber: s.requestNumber };
        start = s.requestNumber;
        reason = `softmax chose the snapshot at ${start}`;
      }
    }
    const { targets, probabilities } = this.targetProbabilities(view, ctx, start);
    const checkpointAt = targets.length === 0 ? null : targets[drawIndex(probabilities, ctx.rng)];
    return { source, checkpointAt, retireAt, reason };
  }

  admitSnapshot(): boolean {
    return true;
  }

  /** Lazy, as in the artifact: only before a start, only when the pool holds more than C entries. */
  prune(view: ActionView, ctx: PolicyContext, moment: PruneMoment): string[] {
    const n = view.pool.length;
    if (moment !== 'beforeStart' || n <= this.params.capacity) return [];
    const ranked = view.pool
      .map((s) => ({ s, v: this.value(view, ctx, s.requestNumber) }))
      .sort((a, b) => b.v - a.v)
      .map((x) => x.s);
    const top = roundHalfEven(this.params.p * n);
    const keep = new Set<SnapshotRecord>(ranked.slice(0, top));
    const rest = ranked.slice(top);
    const draws = Math.min(roundHalfEven(this.params.gamma * rest.length), rest.length);
    const pool = [...rest];
    for (let d = 0; d < draws; d++) {
      const i = ctx.rng.int(pool.length);
      keep.add(pool[i]);
      if (!this.params.withReplacement) pool.splice(i, 1);
    }
    return view.pool.filter((s) => !keep.has(s)).map((s) => s.snapshotId);
  }
}
