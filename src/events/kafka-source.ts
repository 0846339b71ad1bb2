/**
 * The `events` topic through a kafkajs consumer in our own group (never one of OpenWhisk's groups).
 * At-least-once: offsets are committed by hand, only after the handler has put a chunk into the store.
 *
 * Throughput: chunks are pipelined. A chunk is validated on the event loop's next turn, once kafkajs has
 * sent its next fetch, and its store write queues behind the previous chunk's: the broker's round trip,
 * the validation of one chunk and the store write of the one before overlap. At most two chunks are in
 * flight beyond the one being fetched, counted until they are stored (not committed). Commits are
 * coalesced: one commit request at a time, carrying per partition the offset after the newest chunk
 * that is stored together with every chunk before it, so a commit never waits in the pipeline.
 */
import { Kafka, logLevel, type Consumer, type EachBatchPayload } from 'kafkajs';
import type { BatchHandler, EventSource, RawEvent } from './source';
import type { Logger } from '../log/logger';

export interface KafkaSourceConfig {
  brokers: string[];
  topic: string;
  groupId: string;
  clientId?: string;
  /** Where a group without committed offsets starts: the oldest retained event (true) or new ones only. */
  fromBeginning: boolean;
  /** Largest chunk handed to the handler (and committed) at once. */
  maxBatchEvents: number;
  sessionTimeoutMs?: number;
}

/**
 * Fetch sizes of the sidecar's consumer (also used by bench-ingest's bare consumer, for a fair comparison).
 * A fetch of 1 MB is about 3,300 EventMessages (~300 bytes each), one store chunk per broker round trip.
 * Larger fetches were measured slower for both consumers (kafkajs decodes a whole fetch at once) and
 * cost resident memory (2 MB: peak RSS 197 MB, 4 MB: 204 MB, 1 MB: 178 MB).
 */
export const FETCH_SETTINGS = {
  maxBytesPerPartition: 1024 * 1024,
  maxBytes: 4 * 1024 * 1024,
  maxWaitTimeInMs: 200,
} as const;

/**
 * Chunks handed on before the oldest must be stored: one being stored, one being validated while the
 * next fetch is on its way. Bounds memory to about three fetches.
 */
const MAX_CHUNKS_IN_FLIGHT = 2;

/** The first chunk that failed to be stored: consumption resumes at its first offset. */
interface ChunkFailure {
  err: unknown;
  topic: string;
  partition: number;
  /** First offset of the failed chunk: consumption resumes there. */
  offset: string;
}

export class KafkaEventSource implements EventSource {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private consumer: Consumer | null = null;
  private joined = false;
  /** Resolves when every started chunk is stored; false if one of them failed. */
  private chain: Promise<boolean> = Promise.resolve(true);
  /** Chunks handed to the handler and not yet awaited (each resolves once it and those before are stored, or false). */
  private inFlight: Promise<boolean>[] = [];
  private failure: ChunkFailure | null = null;
  /** Per "topic|partition": the next offset to commit (everything before it is stored), not yet sent. */
  private readonly toCommit = new Map<string, { topic: string; partition: number; offset: string }>();
  /** The commit request on its way, if any (at most one). */
  private committing: Promise<void> | null = null;

  constructor(
    private readonly cfg: KafkaSourceConfig,
    private readonly log: Logger,
    /** Called when the consumer stopped for good (kafkajs will not restart it). */
    private readonly onFatal: (err: Error) => void = () => undefined,
  ) {
    this.kafka = new Kafka({
      clientId: cfg.clientId ?? 'pronghorn-sidecar',
      brokers: cfg.brokers,
      logLevel: logLevel.WARN,
      logCreator: () => ({ namespace, level, log }) => {
        const { message, ...extra } = log;
        const fields = { namespace, ...extra };
        if (level <= logLevel.ERROR) this.log.error(fields, message);
        else this.log.warn(fields, message);
      },
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 5000 },
    });
  }

  async start(handler: BatchHandler): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.cfg.groupId,
      ...FETCH_SETTINGS,
      sessionTimeout: this.cfg.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: Math.min(3_000, Math.floor((this.cfg.sessionTimeoutMs ?? 30_000) / 3)),
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.joined = true;
      // bench-ingest times throughput from this line (joinedAt, epoch ms).
      this.log.info({ groupId: this.cfg.groupId, memberId: e.payload.memberId, joinedAt: Date.now() }, 'joined consumer group');
    });
    for (const ev of [consumer.events.DISCONNECT, consumer.events.STOP]) {
      consumer.on(ev, () => {
        this.joined = false;
      });
    }
    consumer.on(consumer.events.CRASH, (e) => {
      this.joined = false;
      this.log.error({ err: String(e.payload.error), restart: e.payload.restart }, 'Kafka consumer crashed');
      // kafkajs restarts itself after retriable errors; otherwise the process must not idle on.
      if (!e.payload.restart) this.onFatal(e.payload.error);
    });
    consumer.on(consumer.events.REBALANCING, () => this.log.info({ groupId: this.cfg.groupId }, 'consumer group rebalancing'));
    await consumer.connect();
    await consumer.subscribe({ topics: [this.cfg.topic], fromBeginning: this.cfg.fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.eachBatch(payload, handler),
    });
  }

  private async eachBatch(p: EachBatchPayload, handler: BatchHandler): Promise<void> {
    const { batch } = p;
    const { topic, partition } = batch;
    for (let start = 0; start < batch.messages.length; start += this.cfg.maxBatchEvents) {
      if (!p.isRunning() || p.isStale()) return;
      const chunk = batch.messages.slice(start, start + this.cfg.maxBatchEvents);
      const first = chunk[0].offset;
      const last = chunk[chunk.length - 1].offset;
      await p.heartbeat();
      // Handled on the next turn of the event loop, after kafkajs has sent its next fetch: the broker's
      // round trip then overlaps this chunk's validation instead of leaving the thread idle.
      const stored = new Promise<void>((resolve, reject) =>
        setImmediate(() => {
          const origin = { source: 'kafka', topic, partition };
          const events: RawEvent[] = chunk.map((m) => ({ value: m.value, origin, offset: m.offset }));
          // Validates the chunk now; its store write waits for the previous chunk's (the ingest core keeps order).
          handler(events, () => p.heartbeat()).then(resolve, reject);
        }),
      );
      this.chain = this.whenStoredCommit(this.chain, stored, { topic, partition, offset: first }, last);
      this.inFlight.push(this.chain);
      // Only the fetch position moves on here; the commit waits for the store (whenStoredCommit).
      p.resolveOffset(last);
      // Bounded pipeline: wait for the oldest chunk beyond the limit before taking the next.
      if (this.inFlight.length > MAX_CHUNKS_IN_FLIGHT) {
        const oldest = this.inFlight.shift()!;
        if (!(await oldest)) await this.rewind();
      }
    }
  }

  /**
   * Resolves true once `stored` resolved and every chunk before it was stored, and then asks for a
   * commit past `last`. Committed only then: a crash before replays the chunk, and the store's stream
   * watermarks drop the copies.
   */
  private async whenStoredCommit(previous: Promise<boolean>, stored: Promise<void>, at: Omit<ChunkFailure, 'err'>, last: string): Promise<boolean> {
    let ok = await previous;
    try {
      await stored;
    } catch (err) {
      if (ok) this.failure = { err, ...at };
      ok = false;
    }
    if (!ok || !this.consumer) return false;
    this.toCommit.set(`${at.topic}|${at.partition}`, { topic: at.topic, partition: at.partition, offset: (BigInt(last) + 1n).toString() });
    this.committing ??= this.sendCommits();
    return true;
  }

  /** Sends the newest commit offsets, one request at a time, until none is waiting. */
  private async sendCommits(): Promise<void> {
    try {
      while (this.toCommit.size > 0 && this.consumer) {
        const offsets = [...this.toCommit.values()];
        this.toCommit.clear();
        try {
          await this.consumer.commitOffsets(offsets);
        } catch (err) {
          // E.g. a rebalance: the next owner replays from the last committed offset; nothing is lost.
          this.log.warn({ err: String(err), offsets }, 'offset commit failed');
        }
      }
    } finally {
      this.committing = null;
    }
  }

  /** A chunk failed after later offsets were resolved: go back to it and let kafkajs retry from there. */
  private async rewind(): Promise<never> {
    await this.chain.catch(() => false);
    const failure = this.failure;
    this.failure = null;
    this.chain = Promise.resolve(true);
    this.inFlight = [];
    if (!failure) throw new Error('event source stopped');
    this.consumer?.seek({ topic: failure.topic, partition: failure.partition, offset: failure.offset });
    throw failure.err;
  }

  async stop(): Promise<void> {
    this.joined = false;
    // Let the chunks in flight be stored (or fail, once the ingest core is stopped) and committed first.
    await this.chain.catch(() => false);
    await this.committing;
    const c = this.consumer;
    this.consumer = null;
    if (c) await c.disconnect();
  }

  isConnected(): boolean {
    return this.joined;
  }
}
