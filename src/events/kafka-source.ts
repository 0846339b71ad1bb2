/**
 * The `events` topic through a kafkajs consumer in our own group (never one of OpenWhisk's groups).
 * At-least-once: offsets are committed by hand, only after the handler has put a chunk into the store.
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

export class KafkaEventSource implements EventSource {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private consumer: Consumer | null = null;
  private joined = false;

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
      // About one store chunk per fetch (EventMessages are ~300 bytes): big enough for few round trips,
      // small enough to keep the resident memory low.
      maxBytesPerPartition: 1024 * 1024,
      maxBytes: 4 * 1024 * 1024,
      maxWaitTimeInMs: 200,
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
    const origin = (offset: string) => ({ source: 'kafka', topic: batch.topic, partition: batch.partition, offset });
    for (let start = 0; start < batch.messages.length; start += this.cfg.maxBatchEvents) {
      if (!p.isRunning() || p.isStale()) return;
      const chunk = batch.messages.slice(start, start + this.cfg.maxBatchEvents);
      const events: RawEvent[] = chunk.map((m) => ({ value: m.value, origin: origin(m.offset) }));
      await p.heartbeat();
      await handler(events, () => p.heartbeat());
      const last = chunk[chunk.length - 1].offset;
      p.resolveOffset(last);
      // Committed only now that the chunk is in the store: a crash before this line replays the chunk,
      // and the store's per-activation markers drop the replayed copies.
      await this.consumer!.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
      await p.heartbeat();
    }
  }

  async stop(): Promise<void> {
    const c = this.consumer;
    this.consumer = null;
    this.joined = false;
    if (c) await c.disconnect();
  }

  isConnected(): boolean {
    return this.joined;
  }
}
