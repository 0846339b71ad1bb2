/**
 * Where the status views read from. `StatusSource` is the narrow read-only interface they need; the
 * store adapter maps the shared StateStore onto it, and `fixedStatusSource` serves given data (the
 * embedded demo before the first event, and tests of the views).
 */
import { z } from 'zod';
import { slotBounds } from '../policy/stats';
import type { SnapshotRecord } from '../store/types';
import type { CurveInputPoint, DecisionEntry, Moments, StatusInput } from './types';

export interface StatusSource {
  listActions(): Promise<string[]>;
  /** Null when the store knows nothing about the action. */
  load(action: string): Promise<StatusInput | null>;
  /** The newest decisions first, at most `limit`. */
  decisions(action: string, limit: number): Promise<DecisionEntry[]>;
}

/** OpenWhisk's fully qualified action name without the leading slash: `ns/name` or `ns/pkg/name`. */
export const actionNameSchema = z
  .string()
  .max(512)
  .regex(/^[^/\s]+\/([^/\s]+\/)?[^/\s]+$/, 'expected ns/name or ns/pkg/name');

export function fixedStatusSource(inputs: StatusInput[], decisions: Record<string, DecisionEntry[]> = {}): StatusSource {
  const byName = new Map(inputs.map((i) => [i.action, i]));
  return {
    listActions: async () => [...byName.keys()].sort(),
    load: async (action) => byName.get(action) ?? null,
    decisions: async (action, limit) =>
      [...(decisions[action] ?? [])].sort((a, b) => b.at - a.at).slice(0, Math.max(0, limit)),
  };
}

/** The part of the shared StateStore the status views read (structural, so any store fits). */
export interface StatusStoreReader {
  listActions(): Promise<{ action: string }[]>;
  getActionState(action: string): Promise<{
    stats: {
      activations: number;
      coldStarts: number;
      restores: number;
      coldStart: Moments;
      restore: Moments;
      lifetime: Moments;
      latency?: Moments;
      slots: readonly (Moments & { slot: number; ewma?: number })[];
      transient: readonly (Moments & { slot: number; ewma?: number })[];
    };
    pool: readonly SnapshotRecord[];
  }>;
  listDecisions(action: string, limit: number): Promise<DecisionEntry[]>;
}

export interface StoreSourceOptions {
  /** First request number of a curve slot; default: the policy's slot layout (slotBounds). */
  slotStart?: (slot: number) => number;
}

export function storeStatusSource(store: StatusStoreReader, opts: StoreSourceOptions = {}): StatusSource {
  const slotStart = opts.slotStart ?? ((slot: number) => slotBounds(slot)[0]);
  const toPoints = (slots: readonly (Moments & { slot: number; ewma?: number })[], start: (s: number) => number): CurveInputPoint[] =>
    slots
      .map((s) => ({ n: start(s.slot), count: s.count, mean: s.mean, m2: s.m2, ewma: s.ewma }))
      .sort((a, b) => a.n - b.n);
  return {
    listActions: async () => (await store.listActions()).map((a) => a.action).sort(),
    load: async (action) => {
      const { stats, pool } = await store.getActionState(action);
      if (stats.activations === 0 && stats.slots.length === 0 && pool.length === 0) return null;
      return {
        action,
        curve: toPoints(stats.slots, slotStart),
        // Transient slots count requests since restore exactly.
        transient: toPoints(stats.transient, (j) => j),
        coldStart: stats.coldStart,
        restore: stats.restore,
        lifetime: stats.lifetime,
        counters: { activations: stats.activations, coldStarts: stats.coldStarts, restores: stats.restores },
        latency: stats.latency,
        pool: [...pool],
      };
    },
    decisions: (action, limit) => store.listDecisions(action, limit),
  };
}
