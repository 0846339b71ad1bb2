/**
 * StateStore on Redis (ioredis). Updates that must be atomic run as Lua scripts from ./lua/*.lua;
 * every key of an action is hash-tagged by the action name (keys.ts), so Redis Cluster works.
 *
 * Ingest costs two round trips per batch whatever its size: one pipeline reads the lineage of every
 * activation (and each action's stream watermarks) with lineage.lua once per action, one runs the
 * ingest script once per action and stream with the batch summed up (batch.ts, delta.ts), so Redis's
 * work grows with the curve cells a batch touches rather than with its events.
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
  SlotStats,
  SnapshotRecord,
  StateStore,
  WorkerRecord,
} from './types';
import { decodeMoments, decodeSlot } from './moments';
import { lineageExpected } from './plan';
import { addToResult, emptyResult, groupByAction, groupByStream, planGroup, type GroupPlan, type Joined } from './batch';
import type { ActionDelta } from './delta';
import { formatWatermark, parseWatermark } from './watermark';
import { storeOptions, type StoreOptions } from './options';
import { StoreKeys, assertKeySafe } from './keys';
import { decodeLineage, encodeLineage } from './lineage-codec';

/** One (action, stream) group of a batch on its way to the ingest script. */
interface IngestJob {
  action: string;
  list: ActivationFact[];
  indices: number[];
  joined: Joined[];
  stream: string;
  markKey: string;
  /** The watermark the group is screened with (as stored: '' for none). */
  screenedWith: string;
}

/** Round trip 1 of an ingest, started ahead (RedisStateStore.prefetchLineage). */
interface RedisLineagePrefetch extends LineagePrefetch {
  byAction: Map<string, ActivationFact[]>;
  replies: Promise<unknown[]>;
}

/** Rounds of re-screening when other consumers keep moving a watermark (then the batch is retried). */
const MAX_WATERMARK_ROUNDS = 10;

interface ScriptedRedis extends Redis {
  pgIngest(...args: (string | number)[]): Promise<[number, number]>;
  pgLineage(...args: string[]): Promise<LineageReply>;
  pgWorker(...args: (string | number)[]): Promise<number>;
}

/** Scripts defined with defineCommand are also available on pipelines (untyped by ioredis). */
interface ScriptedPipeline {
  pgIngest(...args: (string | number | Buffer)[]): unknown;
  pgLineage(...args: string[]): unknown;
}

/** Stands in for an activation id that cannot be sent to lineage.lua; no lineage id contains a tab. */
const NO_LINEAGE_ID = '\t';

/** lineage.lua's reply: lastLineageAt ('' when never), the watermarks as a flat field/value list, one line per id. */
type LineageReply = [string, string[], string];

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
  /**
   * The watermark this store last wrote per action and stream. Batches are written in order, so it is
   * current unless another consumer took the partition meanwhile, which the script's check catches.
   * (Reading it with the lineage would not do: that read runs ahead, while the batch before is written.)
   */
  private readonly marks = new Map<string, string>();

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
    this.redis.defineCommand('pgLineage', { numberOfKeys: 2, lua: luaSource('lineage.lua') });
  }

  async recordLineage(rec: LineageRecord): Promise<void> {
    assertKeySafe(rec.action, 'action name');
    // One round trip, beside every /run the agent forwards (its reply waits for it).
    const write = this.redis
      .multi()
      .set(this.keys.lineage(rec.action, rec.activationId), encodeLineage(rec), 'EX', this.opts.lineageTtlSec)
      .hset(this.keys.stats(rec.action), 'lastLineageAt', String(rec.recordedAt));
    // The action index is not hash-tagged like the action's keys (another Redis Cluster slot), so it
    // leaves the transaction, but not the round trip.
    const index = this.redis.sadd(this.keys.actions(), rec.action);
    await Promise.all([write.exec().then(throwOnExecError), index]);
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
    const read = this.redis.pipeline() as unknown as ScriptedPipeline & ReturnType<Redis['pipeline']>;
    for (const [action, list] of byAction) {
      // Ids are sent once, joined by newlines (lineage.lua builds the keys). An id that is empty or holds
      // the separator (the event schema admits neither) reads a key no lineage is written under.
      const ids = list.map((f) => (f.activationId === '' || f.activationId.includes('\n') ? NO_LINEAGE_ID : f.activationId)).join('\n');
      read.pgLineage(this.keys.stats(action), this.keys.watermarks(action), this.keys.lineagePrefix(action), ids);
    }
    const replies = read.exec().then(throwOnExecError);
    replies.catch(() => undefined); // a prefetch nobody uses must not become an unhandled rejection
    return { facts, byAction, replies };
  }

  async ingestActivations(facts: ActivationFact[], opts: IngestOptions): Promise<IngestResult> {
    const result = emptyResult();
    if (facts.length === 0) return result;

    // Round trip 1: lineage of every activation, when each action last had lineage, and its streams'
    // watermarks (prefetched when the caller started it for these very facts; read again if that failed).
    let prefetch = opts.lineage?.facts === facts ? (opts.lineage as RedisLineagePrefetch) : undefined;
    let replies: unknown[] | undefined;
    if (prefetch) replies = await prefetch.replies.catch(() => undefined);
    if (!prefetch || !replies) {
      prefetch = this.prefetchLineage(facts);
      replies = await prefetch.replies;
    }

    let jobs: IngestJob[] = [];
    let r = 0;
    for (const [action, list] of prefetch.byAction) {
      assertKeySafe(action, 'action name');
      const [lastLineageRaw, markList, lines] = replies[r++] as LineageReply;
      const lastLineageAt = num(lastLineageRaw);
      const storedMarks = fieldsOf(markList);
      const lineages = lines.split('\n');
      if (lineages.length !== list.length) throw new Error(`lineage read for ${action} returned ${lineages.length} records for ${list.length} activations`);
      const joined: Joined[] = new Array<Joined>(list.length);
      for (let k = 0; k < list.length; k++) {
        const raw = lineages[k];
        let lineage: LineageRecord | null = null;
        if (raw) {
          lineage = decodeLineage(raw, action, list[k].activationId);
          if (!lineage) result.invalidLineage = (result.invalidLineage ?? 0) + 1;
        }
        joined[k] = !raw && opts.deferMissingLineage && lineageExpected(list[k], lastLineageAt, this.opts.lineageActiveMs) ? 'late' : lineage;
      }
      for (const [stream, indices] of groupByStream(list)) {
        const markKey = `${action}\n${stream}`;
        jobs.push({ action, list, indices, joined, stream, markKey, screenedWith: this.marks.get(markKey) ?? storedMarks[stream] ?? '' });
      }
    }

    // Round trip 2: one script call per action and stream. A call whose watermark another consumer moved
    // writes nothing and is screened again with the stored watermark.
    for (let round = 1; jobs.length > 0; round++) {
      if (round > MAX_WATERMARK_ROUNDS) throw new Error(`stream watermarks kept moving under this batch (${jobs.length} groups); retrying the batch`);
      const write = this.redis.pipeline() as unknown as ScriptedPipeline & ReturnType<Redis['pipeline']>;
      const sent: { job: IngestJob; plan: GroupPlan; mark: string }[] = [];
      const touched = new Set<string>();
      for (const job of jobs) {
        const plan = planGroup(job.stream, job.list, job.indices, job.joined, parseWatermark(job.screenedWith), this.opts);
        if (plan.applied === 0) {
          addToResult(result, plan);
          continue;
        }
        const a = job.action;
        const mark = plan.watermark ? formatWatermark(plan.watermark) : '';
        const keys = [this.keys.stats(a), this.keys.slots(a), this.keys.transient(a), this.keys.watermarks(a)];
        write.pgIngest(keys.length, ...keys, job.stream, job.screenedWith, mark, ...deltaArgs(plan.delta));
        sent.push({ job, plan, mark });
        touched.add(a);
      }
      for (const a of touched) write.sadd(this.keys.actions(), a);
      if (sent.length === 0) break;
      const results = throwOnExecError(await write.exec());
      jobs = [];
      sent.forEach(({ job, plan, mark }, i) => {
        const [ok, stored] = results[i] as [number, string];
        if (ok === 1) {
          addToResult(result, plan);
          if (job.stream !== '') this.marks.set(job.markKey, mark);
        } else {
          job.screenedWith = stored;
          this.marks.set(job.markKey, stored);
          jobs.push(job);
        }
      });
    }
    return result;
  }

  async getActionStats(action: string): Promise<ActionStats> {
    const replies = throwOnExecError(
      await this.redis
        .pipeline()
        .hgetall(this.keys.stats(action))
        .hgetallBuffer(this.keys.slots(action))
        .hgetallBuffer(this.keys.transient(action))
        .exec(),
    );
    const [h, slots, trans] = replies as [Record<string, string>, Record<string, Buffer>, Record<string, Buffer>];
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

/** A group's delta as ingest.lua's ARGV[4..9]: cells as packed little-endian doubles. */
function deltaArgs(d: ActionDelta): (string | Buffer)[] {
  const slots = Buffer.allocUnsafe(56 * d.slots.size);
  let at = 0;
  for (const [slot, c] of d.slots) {
    for (const v of [slot, c.n, c.mean, c.m2, c.tail, c.fresh, c.decay]) at = slots.writeDoubleLE(v, at);
  }
  const transient = Buffer.allocUnsafe(64 * d.transient.size);
  at = 0;
  for (const t of d.transient.values()) {
    const c = t.cell;
    for (const v of [t.index, t.baselineSlot, c.n, c.mean, c.m2, c.tail, c.fresh, c.decay]) at = transient.writeDoubleLE(v, at);
  }
  const m = (x: { count: number; mean: number; m2: number }) => `${x.count} ${x.mean} ${x.m2}`;
  return [String(d.newestEventAt), d.counters.join(' '), m(d.latency), m(d.coldStart), slots, transient];
}

/** A curve or transient cell as ingest.lua stores it: 4 little-endian doubles, or text from earlier versions. */
export function decodeCell(raw: Buffer): SlotStats {
  if (raw.length === 32 && raw[0] === 0) {
    return { count: raw.readDoubleLE(0), mean: raw.readDoubleLE(8), m2: raw.readDoubleLE(16), ewma: raw.readDoubleLE(24) };
  }
  return decodeSlot(raw.toString());
}

function slotEntries(h: Record<string, Buffer>): SlotEntry[] {
  return Object.entries(h)
    .map(([slot, raw]) => ({ slot: Number(slot), ...decodeCell(raw) }))
    .sort((a, b) => a.slot - b.slot);
}

/** A flat field/value list (HGETALL inside a script) as an object. */
function fieldsOf(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < list.length; i += 2) out[list[i]] = list[i + 1];
  return out;
}

/** Pipeline/multi results as values, throwing the first command error. */
function throwOnExecError(res: [Error | null, unknown][] | null): unknown[] {
  if (!res) throw new Error('Redis transaction aborted');
  return res.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}
