/**
 * StateStore on Redis (ioredis). Updates that must be atomic run as Lua scripts from ./lua/*.lua;
 * every key of an action is hash-tagged by the action name (keys.ts), so Redis Cluster works.
 *
 * Ingest costs two round trips per batch whatever its size: one pipeline reads the lineage of every
 * activation, one pipeline runs the ingest script once per action (in chunks).
 */
import fs from 'node:fs';
import path from 'node:path';
import Redis, { type RedisOptions } from 'ioredis';
import type {
  ActionState,
  ActionStats,
  ActionSummary,
  ActivationFact,
  DecisionRecord,
  IngestOptions,
  IngestResult,
  LineagePrefetch,
  LineageRecord,
  SlotEntry,
  SnapshotRecord,
  StateStore,
  WorkerRecord,
} from './types';
import { decodeMoments, decodeSlot } from './moments';
import { COUNTERS, lineageExpected, planActivation, type ActivationPlan } from './plan';
import { storeOptions, type StoreOptions } from './options';
import { StoreKeys, assertKeySafe } from './keys';
import { decodeLineage, encodeLineage } from './lineage-codec';

/** Round trip 1 of an ingest, started ahead (RedisStateStore.prefetchLineage). */
interface RedisLineagePrefetch extends LineagePrefetch {
  byAction: Map<string, ActivationFact[]>;
  replies: Promise<unknown[]>;
}

function groupByAction(facts: ActivationFact[]): Map<string, ActivationFact[]> {
  const byAction = new Map<string, ActivationFact[]>();
  for (const f of facts) {
    const list = byAction.get(f.action);
    if (list) list.push(f);
    else byAction.set(f.action, [f]);
  }
  return byAction;
}

/** Events per script call: bounds how long one call blocks Redis. */
const SCRIPT_CHUNK = 2000;
/** Idempotency markers are grouped in one set per action and 10 minutes of event time. */
const MARKER_BUCKET_MS = 10 * 60 * 1000;

interface ScriptedRedis extends Redis {
  pgIngest(...args: (string | number)[]): Promise<[number, number]>;
  pgWorker(...args: (string | number)[]): Promise<number>;
}

/** Scripts defined with defineCommand are also available on pipelines (untyped by ioredis). */
interface ScriptedPipeline {
  pgIngest(...args: (string | number)[]): unknown;
}

/** The .lua files sit next to this module in src/; compiled code in dist/ finds them in src/ too. */
function luaSource(name: string): string {
  const candidates = [path.join(__dirname, 'lua', name), path.join(__dirname, '..', '..', 'src', 'store', 'lua', name)];
  for (const file of candidates) if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8');
  throw new Error(`Lua script ${name} not found (looked in ${candidates.join(', ')})`);
}

export interface RedisStoreConfig extends Partial<StoreOptions> {
  url: string;
  /** Key prefix, default `pronghorn:`. */
  prefix?: string;
  redisOptions?: RedisOptions;
}

const num = (v: string | null | undefined): number => (v ? Number(v) : 0);

export class RedisStateStore implements StateStore {
  readonly redis: ScriptedRedis;
  readonly keys: StoreKeys;
  private readonly opts: StoreOptions;

  constructor(cfg: RedisStoreConfig) {
    const prefix = cfg.prefix ?? 'pronghorn:';
    assertKeySafe(prefix, 'Redis key prefix');
    this.keys = new StoreKeys(prefix);
    this.opts = storeOptions(cfg);
    this.redis = new Redis(cfg.url, {
      // Fail commands quickly while Redis is down, so the caller can pause and retry instead of piling up.
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(100 * times, 1000),
      ...cfg.redisOptions,
    }) as ScriptedRedis;
    this.redis.on('error', () => {
      // Connection errors surface as rejected commands; the ioredis client reconnects by itself.
    });
    this.redis.defineCommand('pgIngest', { lua: luaSource('ingest.lua') });
    this.redis.defineCommand('pgWorker', { numberOfKeys: 4, lua: luaSource('worker.lua') });
  }

  async recordLineage(rec: LineageRecord): Promise<void> {
    assertKeySafe(rec.action, 'action name');
    await this.redis
      .multi()
      .set(this.keys.lineage(rec.action, rec.activationId), encodeLineage(rec), 'EX', this.opts.lineageTtlSec)
      .hset(this.keys.stats(rec.action), 'lastLineageAt', String(rec.recordedAt))
      .exec()
      .then(throwOnExecError);
    await this.redis.sadd(this.keys.actions(), rec.action);
  }

  /** Many lineage records in one round trip (bulk loaders, benchmarks). */
  async recordLineages(recs: LineageRecord[]): Promise<void> {
    const p = this.redis.pipeline();
    const newest = new Map<string, number>();
    for (const rec of recs) {
      assertKeySafe(rec.action, 'action name');
      p.set(this.keys.lineage(rec.action, rec.activationId), encodeLineage(rec), 'EX', this.opts.lineageTtlSec);
      newest.set(rec.action, Math.max(newest.get(rec.action) ?? 0, rec.recordedAt));
    }
    for (const [action, at] of newest) p.hset(this.keys.stats(action), 'lastLineageAt', String(at)).sadd(this.keys.actions(), action);
    throwOnExecError(await p.exec());
  }

  async getLineage(action: string, activationId: string): Promise<LineageRecord | null> {
    const raw = await this.redis.get(this.keys.lineage(action, activationId));
    return raw ? decodeLineage(raw, action, activationId) : null;
  }

  async putWorker(rec: WorkerRecord): Promise<void> {
    assertKeySafe(rec.action, 'action name');
    const a = rec.action;
    const restored = rec.origin.kind === 'snapshot';
    await this.redis.pgWorker(
      this.keys.workers(a),
      this.keys.stats(a),
      this.keys.pool(a),
      this.keys.poolRestoreMs(a),
      rec.workerId,
      JSON.stringify(rec),
      rec.endedAt !== undefined ? 1 : 0,
      rec.requestsServed ?? 0,
      restored ? 1 : 0,
      rec.startMs,
      rec.origin.kind === 'snapshot' ? rec.origin.snapshotId : '',
    );
    await this.redis.sadd(this.keys.actions(), a);
  }

  async getWorker(action: string, workerId: string): Promise<WorkerRecord | null> {
    const raw = await this.redis.hget(this.keys.workers(action), workerId);
    return raw ? (JSON.parse(raw) as WorkerRecord) : null;
  }

  async listWorkers(action: string): Promise<WorkerRecord[]> {
    const all = await this.redis.hvals(this.keys.workers(action));
    return all.map((raw) => JSON.parse(raw) as WorkerRecord);
  }

  /**
   * Starts round trip 1 of an ingest (the lineage reads) ahead of time: the ingest core calls it as soon
   * as a chunk is validated, so Redis reads the next chunk's lineage while this chunk's script runs,
   * instead of waiting idle between the two round trips.
   */
  prefetchLineage(facts: ActivationFact[]): RedisLineagePrefetch {
    const byAction = groupByAction(facts);
    const read = this.redis.pipeline();
    for (const [action, list] of byAction) {
      read.hget(this.keys.stats(action), 'lastLineageAt');
      const prefix = this.keys.lineagePrefix(action);
      read.mget(list.map((f) => prefix + f.activationId));
    }
    const replies = read.exec().then(throwOnExecError);
    replies.catch(() => undefined); // a prefetch nobody uses must not become an unhandled rejection
    return { facts, byAction, replies };
  }

  async ingestActivations(facts: ActivationFact[], opts: IngestOptions): Promise<IngestResult> {
    const result: IngestResult = { applied: 0, duplicates: 0, withLineage: 0, withoutLineage: 0, pending: [] };
    if (facts.length === 0) return result;
    const now = opts.now ?? Date.now();
    for (const f of facts) assertKeySafe(f.action, 'action name');

    // Round trip 1: lineage of every activation and when each action last had lineage (prefetched
    // when the caller started it for these very facts; read again if that read failed).
    let prefetch = opts.lineage?.facts === facts ? (opts.lineage as RedisLineagePrefetch) : undefined;
    let replies: unknown[] | undefined;
    if (prefetch) replies = await prefetch.replies.catch(() => undefined);
    if (!prefetch || !replies) {
      prefetch = this.prefetchLineage(facts);
      replies = await prefetch.replies;
    }
    const byAction = prefetch.byAction;

    // Round trip 2: one script call per action and chunk.
    const write = this.redis.pipeline();
    let r = 0;
    for (const [action, list] of byAction) {
      const lastLineageAt = num(replies[r++] as string | null);
      const lineages = replies[r++] as (string | null)[];
      // Two parallel arrays rather than a pair object per activation: this runs for every event.
      const readyFacts: ActivationFact[] = [];
      const readyLineages: (LineageRecord | null)[] = [];
      list.forEach((fact, k) => {
        const raw = lineages[k];
        let lineage: LineageRecord | null = null;
        if (raw) {
          lineage = decodeLineage(raw, action, fact.activationId);
          if (!lineage) result.invalidLineage = (result.invalidLineage ?? 0) + 1;
        }
        if (!raw && opts.deferMissingLineage && lineageExpected(fact, lastLineageAt, this.opts.lineageActiveMs)) {
          result.pending.push(fact);
        } else {
          readyFacts.push(fact);
          readyLineages.push(lineage);
        }
      });
      for (let start = 0; start < readyFacts.length; start += SCRIPT_CHUNK) {
        const end = Math.min(readyFacts.length, start + SCRIPT_CHUNK);
        const nowSec = Math.floor(now / 1000);
        const buckets = new Map<number, number>();
        let encoded = '';
        let newest = 0;
        for (let k = start; k < end; k++) {
          const fact = readyFacts[k];
          const bucket = Math.floor(fact.timestamp / MARKER_BUCKET_MS);
          let index = buckets.get(bucket);
          if (index === undefined) buckets.set(bucket, (index = buckets.size + 1));
          encoded += scriptEntry(fact.activationId, index, planActivation(fact, readyLineages[k], this.opts));
          newest = Math.max(newest, fact.timestamp);
        }
        const keys = [this.keys.stats(action), this.keys.slots(action), this.keys.transient(action)];
        const expiries: number[] = [];
        for (const bucket of buckets.keys()) {
          keys.push(this.keys.seen(action, bucket));
          // Remembered for the TTL after the bucket ends, and at least the TTL from now (late replays).
          expiries.push(Math.max(((bucket + 1) * MARKER_BUCKET_MS) / 1000, nowSec) + this.opts.dedupTtlSec);
        }
        const args = [this.opts.dedupTtlSec, this.opts.ewmaAlpha, newest, buckets.size, ...expiries, encoded];
        (write as unknown as ScriptedPipeline).pgIngest(keys.length, ...keys, ...args);
      }
      write.sadd(this.keys.actions(), action);
    }
    const results = throwOnExecError(await write.exec());
    for (const reply of results) {
      if (!Array.isArray(reply)) continue; // SADD replies
      const [applied, duplicates, withLineage] = reply as [number, number, number];
      result.applied += applied;
      result.duplicates += duplicates;
      result.withLineage += withLineage;
      result.withoutLineage += applied - withLineage;
    }
    return result;
  }

  async getActionStats(action: string): Promise<ActionStats> {
    const replies = throwOnExecError(
      await this.redis
        .pipeline()
        .hgetall(this.keys.stats(action))
        .hgetall(this.keys.slots(action))
        .hgetall(this.keys.transient(action))
        .exec(),
    );
    const [h, slots, trans] = replies as Record<string, string>[];
    return {
      action,
      activations: num(h.activations),
      coldStarts: num(h.coldStarts),
      restores: num(h.restores),
      errors: num(h.errors),
      withLineage: num(h.withLineage),
      withoutLineage: num(h.withoutLineage),
      latency: decodeMoments(h.latency),
      coldStart: decodeMoments(h.coldStart),
      restore: decodeMoments(h.restore),
      lifetime: decodeMoments(h.lifetime),
      slots: slotEntries(slots),
      transient: slotEntries(trans),
      lastEventAt: num(h.lastEventAt),
      lastLineageAt: num(h.lastLineageAt),
    };
  }

  async getActionState(action: string): Promise<ActionState> {
    const [stats, pool] = await Promise.all([this.getActionStats(action), this.listSnapshots(action)]);
    return { stats, pool };
  }

  async listActions(): Promise<ActionSummary[]> {
    const names = (await this.redis.smembers(this.keys.actions())).sort((a, b) => a.localeCompare(b));
    if (names.length === 0) return [];
    const p = this.redis.pipeline();
    for (const a of names) {
      p.hmget(this.keys.stats(a), 'activations', 'coldStarts', 'restores', 'lastEventAt');
      p.hlen(this.keys.pool(a));
    }
    const replies = throwOnExecError(await p.exec());
    return names.map((action, k) => {
      const [activations, coldStarts, restores, lastEventAt] = replies[2 * k] as (string | null)[];
      return {
        action,
        activations: num(activations),
        coldStarts: num(coldStarts),
        restores: num(restores),
        snapshots: replies[2 * k + 1] as number,
        lastEventAt: num(lastEventAt),
      };
    });
  }

  async addSnapshot(rec: SnapshotRecord): Promise<void> {
    assertKeySafe(rec.action, 'action name');
    await this.redis
      .multi()
      .hset(this.keys.pool(rec.action), rec.snapshotId, JSON.stringify(rec))
      .hdel(this.keys.poolRestoreMs(rec.action), rec.snapshotId)
      .exec()
      .then(throwOnExecError);
    await this.redis.sadd(this.keys.actions(), rec.action);
  }

  async removeSnapshot(action: string, snapshotId: string): Promise<boolean> {
    const replies = throwOnExecError(
      await this.redis
        .multi()
        .hdel(this.keys.pool(action), snapshotId)
        .hdel(this.keys.poolRestoreMs(action), snapshotId)
        .exec(),
    );
    return replies[0] === 1;
  }

  async listSnapshots(action: string): Promise<SnapshotRecord[]> {
    const replies = throwOnExecError(
      await this.redis.pipeline().hgetall(this.keys.pool(action)).hgetall(this.keys.poolRestoreMs(action)).exec(),
    );
    const [pool, restoreMs] = replies as Record<string, string>[];
    return Object.entries(pool)
      .map(([id, raw]) => {
        const rec = JSON.parse(raw) as SnapshotRecord;
        if (restoreMs[id] !== undefined) rec.restoreMs = Number(restoreMs[id]);
        return rec;
      })
      .sort((a, b) => a.requestNumber - b.requestNumber || a.snapshotId.localeCompare(b.snapshotId));
  }

  async appendDecision(action: string, rec: DecisionRecord): Promise<void> {
    const key = this.keys.decisions(action);
    await this.redis
      .multi()
      .lpush(key, JSON.stringify(rec))
      .ltrim(key, 0, this.opts.decisionLogSize - 1)
      .exec()
      .then(throwOnExecError);
  }

  async listDecisions(action: string, limit: number): Promise<DecisionRecord[]> {
    if (limit <= 0) return [];
    const raw = await this.redis.lrange(this.keys.decisions(action), 0, limit - 1);
    return raw.map((r) => JSON.parse(r) as DecisionRecord);
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}

/**
 * One activation in the string argument of ingest.lua: `id,markerSet,<plan>;` (exported for
 * scripts/bench-ingest-script.ts, which calls the script without the store).
 */
export function scriptEntry(activationId: string, markerSet: number, plan: ActivationPlan): string {
  if (activationId.includes(',') || activationId.includes(';')) {
    // Ids travel in a comma/semicolon-separated string; the parser guarantees they contain neither.
    throw new Error(`activation id must not contain ',' or ';': ${JSON.stringify(activationId)}`);
  }
  const curve = plan.curve === 'slot' ? `s,${plan.index},` : plan.curve === 'transient' ? `x,${plan.index},${plan.baselineSlot}` : ',,';
  return `${activationId},${markerSet},${COUNTER_LETTERS[plan.counters]},${plan.latencyMs ?? ''},${plan.coldStartMs ?? ''},${curve};`;
}

/** The script's counter letters for every counter mask (built once: a plan's mask indexes it). */
const COUNTER_LETTERS: readonly string[] = Array.from({ length: 1 << COUNTERS.length }, (_, mask) =>
  COUNTERS.filter((c) => (mask & c.bit) !== 0)
    .map((c) => c.letter)
    .join(''),
);

function slotEntries(h: Record<string, string>): SlotEntry[] {
  return Object.entries(h)
    .map(([slot, raw]) => ({ slot: Number(slot), ...decodeSlot(raw) }))
    .sort((a, b) => a.slot - b.slot);
}

/** Pipeline/multi results as values, throwing the first command error. */
function throwOnExecError(res: [Error | null, unknown][] | null): unknown[] {
  if (!res) throw new Error('Redis transaction aborted');
  return res.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}
