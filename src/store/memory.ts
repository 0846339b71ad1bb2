/**
 * In-memory StateStore for the embedded mode and unit tests. Same semantics and the same arithmetic as
 * the Redis store (both prepare a batch with batch.ts and merge it with delta.ts, which ingest.lua
 * repeats), so the shared test suite holds for both.
 */
import type {
  ActionState,
  ActionStats,
  ActionSummary,
  ActivationFact,
  DecisionRecord,
  IngestOptions,
  IngestResult,
  LineageRecord,
  Moments,
  SlotStats,
  SnapshotRecord,
  StateStore,
  WorkerRecord,
} from './types';
import { emptyMoments, emptySlot, welfordAdd } from './moments';
import { COUNTERS, lineageExpected, type CounterField } from './plan';
import { addToResult, emptyResult, groupByAction, groupByStream, planGroup, type Joined } from './batch';
import { mergeMoments, mergeSlot, shiftCell, type ActionDelta } from './delta';
import type { Watermark } from './watermark';
import { storeOptions, type StoreOptions } from './options';

interface ActionData {
  counters: Record<CounterField, number>;
  latency: Moments;
  coldStart: Moments;
  restore: Moments;
  lifetime: Moments;
  slots: Map<number, SlotStats>;
  transient: Map<number, SlotStats>;
  lastEventAt: number;
  lastLineageAt: number;
  lineage: Map<string, { rec: LineageRecord; expiresAt: number }>;
  /** Per stream: the watermark of applied events (watermark.ts). */
  watermarks: Map<string, Watermark>;
  workers: Map<string, WorkerRecord>;
  pool: Map<string, SnapshotRecord>;
  decisions: DecisionRecord[];
}

function newActionData(): ActionData {
  return {
    counters: { activations: 0, coldStarts: 0, restores: 0, errors: 0, withLineage: 0, withoutLineage: 0 },
    latency: emptyMoments(),
    coldStart: emptyMoments(),
    restore: emptyMoments(),
    lifetime: emptyMoments(),
    slots: new Map(),
    transient: new Map(),
    lastEventAt: 0,
    lastLineageAt: 0,
    lineage: new Map(),
    watermarks: new Map(),
    workers: new Map(),
    pool: new Map(),
    decisions: [],
  };
}

const clone = <T>(v: T): T => structuredClone(v);

function entries(m: Map<number, SlotStats>) {
  return [...m.entries()].sort((a, b) => a[0] - b[0]).map(([slot, s]) => ({ slot, ...s }));
}

export class MemoryStateStore implements StateStore {
  private readonly opts: StoreOptions;
  private readonly actions = new Map<string, ActionData>();
  private ingestCalls = 0;

  constructor(opts: Partial<StoreOptions> = {}) {
    this.opts = storeOptions(opts);
  }

  private data(action: string): ActionData {
    let d = this.actions.get(action);
    if (!d) {
      d = newActionData();
      this.actions.set(action, d);
    }
    return d;
  }

  async recordLineage(rec: LineageRecord): Promise<void> {
    const d = this.data(rec.action);
    d.lineage.set(rec.activationId, { rec: clone(rec), expiresAt: Date.now() + this.opts.lineageTtlSec * 1000 });
    d.lastLineageAt = Math.max(d.lastLineageAt, rec.recordedAt);
  }

  async getLineage(action: string, activationId: string): Promise<LineageRecord | null> {
    const hit = this.actions.get(action)?.lineage.get(activationId);
    if (!hit || hit.expiresAt < Date.now()) return null;
    return clone(hit.rec);
  }

  async putWorker(rec: WorkerRecord): Promise<void> {
    const d = this.data(rec.action);
    const old = d.workers.get(rec.workerId);
    if (!old && rec.origin.kind === 'snapshot' && rec.startMs > 0) {
      d.restore = welfordAdd(d.restore, rec.startMs);
      const snap = d.pool.get(rec.origin.snapshotId);
      if (snap) snap.restoreMs = rec.startMs;
    }
    if (rec.endedAt !== undefined && old?.endedAt === undefined) {
      d.lifetime = welfordAdd(d.lifetime, rec.requestsServed ?? 0);
    }
    d.workers.set(rec.workerId, clone(rec));
  }

  async getWorker(action: string, workerId: string): Promise<WorkerRecord | null> {
    const w = this.actions.get(action)?.workers.get(workerId);
    return w ? clone(w) : null;
  }

  async listWorkers(action: string): Promise<WorkerRecord[]> {
    return [...(this.actions.get(action)?.workers.values() ?? [])].map(clone);
  }

  async ingestActivations(facts: ActivationFact[], opts: IngestOptions): Promise<IngestResult> {
    const result = emptyResult();
    const now = opts.now ?? Date.now();
    if (++this.ingestCalls % 100 === 0) this.sweep(now);
    for (const [action, list] of groupByAction(facts)) {
      const d = this.data(action);
      const joined: Joined[] = list.map((fact) => {
        const hit = d.lineage.get(fact.activationId);
        const lineage = hit && hit.expiresAt >= now ? hit.rec : null;
        if (!lineage && opts.deferMissingLineage && lineageExpected(fact, d.lastLineageAt, this.opts.lineageActiveMs)) return 'late';
        return lineage;
      });
      for (const [stream, indices] of groupByStream(list)) {
        const g = planGroup(stream, list, indices, joined, d.watermarks.get(stream) ?? null, this.opts);
        addToResult(result, g);
        if (g.applied === 0) continue;
        applyDelta(d, g.delta);
        if (g.watermark) d.watermarks.set(stream, g.watermark);
      }
    }
    return result;
  }

  /** Forget expired lineage so a long-running embedded process stays bounded. */
  private sweep(now: number): void {
    for (const d of this.actions.values()) {
      for (const [id, l] of d.lineage) if (l.expiresAt < now) d.lineage.delete(id);
    }
  }

  async getActionStats(action: string): Promise<ActionStats> {
    const d = this.actions.get(action) ?? newActionData();
    return {
      action,
      ...d.counters,
      latency: { ...d.latency },
      coldStart: { ...d.coldStart },
      restore: { ...d.restore },
      lifetime: { ...d.lifetime },
      slots: entries(d.slots),
      transient: entries(d.transient),
      lastEventAt: d.lastEventAt,
      lastLineageAt: d.lastLineageAt,
    };
  }

  async getActionState(action: string): Promise<ActionState> {
    return { stats: await this.getActionStats(action), pool: await this.listSnapshots(action) };
  }

  async listActions(): Promise<ActionSummary[]> {
    return [...this.actions.entries()]
      .map(([action, d]) => ({
        action,
        activations: d.counters.activations,
        coldStarts: d.counters.coldStarts,
        restores: d.counters.restores,
        snapshots: d.pool.size,
        lastEventAt: d.lastEventAt,
      }))
      .sort((a, b) => a.action.localeCompare(b.action));
  }

  async addSnapshot(rec: SnapshotRecord): Promise<void> {
    this.data(rec.action).pool.set(rec.snapshotId, clone(rec));
  }

  async removeSnapshot(action: string, snapshotId: string): Promise<boolean> {
    return this.actions.get(action)?.pool.delete(snapshotId) ?? false;
  }

  async listSnapshots(action: string): Promise<SnapshotRecord[]> {
    return [...(this.actions.get(action)?.pool.values() ?? [])]
      .map(clone)
      .sort((a, b) => a.requestNumber - b.requestNumber || a.snapshotId.localeCompare(b.snapshotId));
  }

  async appendDecision(action: string, rec: DecisionRecord): Promise<void> {
    const log = this.data(action).decisions;
    log.unshift(clone(rec));
    if (log.length > this.opts.decisionLogSize) log.length = this.opts.decisionLogSize;
  }

  async listDecisions(action: string, limit: number): Promise<DecisionRecord[]> {
    return (this.actions.get(action)?.decisions ?? []).slice(0, Math.max(0, limit)).map(clone);
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {}
}

/** A batch's delta into an action's statistics, in the order ingest.lua applies it. */
function applyDelta(d: ActionData, delta: ActionDelta): void {
  COUNTERS.forEach((c, k) => (d.counters[c.field] += delta.counters[k]));
  d.latency = mergeMoments(d.latency, delta.latency.count, delta.latency.mean, delta.latency.m2);
  d.coldStart = mergeMoments(d.coldStart, delta.coldStart.count, delta.coldStart.mean, delta.coldStart.m2);
  for (const [slot, cell] of delta.slots) d.slots.set(slot, mergeSlot(d.slots.get(slot) ?? emptySlot(), cell));
  // Transient samples are excesses over their baseline slot's mean as it stands after the curve cells.
  for (const t of delta.transient.values()) {
    const base = d.slots.get(t.baselineSlot);
    if (base && base.count > 0) d.transient.set(t.index, mergeSlot(d.transient.get(t.index) ?? emptySlot(), shiftCell(t.cell, base.mean)));
  }
  d.lastEventAt = Math.max(d.lastEventAt, delta.newestEventAt);
}
