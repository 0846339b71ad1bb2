/**
 * The ingest core, independent of where events come from: validate each message, copy rejects to the
 * dead-letter sink, join activations with lineage and update the store, and only then return (so the
 * source may commit). While the store or the dead-letter sink is unavailable it waits and retries
 * (consumption pauses); it never drops an event and never throws except when stopped.
 */
import type { ActivationFact, LineagePrefetch, StateStore } from '../store/types';
import type { Logger } from '../log/logger';
import { parseEventMessage, runsInContainer, streamOf, toActivationFact, validateEventMessage } from '../events/parse';
import { deadLetterOf, type DeadLetter, type DeadLetterSink } from '../events/dlq';
import type { RawEvent } from '../events/source';
import type { IngestMetrics } from './metrics';

export interface IngestConfig {
  /** Only events from this `source` (e.g. invoker0); undefined: all. */
  sourceFilter?: string;
  /** How long late lineage is awaited before the activation is applied without it (ms). */
  lineageGraceMs: number;
  /** First retry delay while the store is unavailable (doubles up to 2 s). */
  retryDelayMs?: number;
}

export interface BatchSummary {
  received: number;
  applied: number;
  duplicates: number;
  /** Applied although below the stream's watermark: the stream restarted at lower offsets. */
  rewound: number;
  rejected: number;
  filtered: number;
  skipped: number;
  metrics: number;
}

export class StoppedError extends Error {
  constructor() {
    super('ingest stopped');
  }
}

interface Validated {
  sum: BatchSummary;
  letters: DeadLetter[];
  facts: ActivationFact[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Ingestor {
  private stopped = false;
  private storeHealthy = true;
  /** Resolves when the previous batch's writes are done: batches reach the store in the order they came. */
  private lane: Promise<void> = Promise.resolve();
  /** Called after each batch's activations are in the store (e.g. the orchestrator). */
  onApplied?: (facts: ActivationFact[]) => void;

  constructor(
    private readonly store: StateStore,
    private readonly dlq: DeadLetterSink,
    private readonly metrics: IngestMetrics,
    private readonly cfg: IngestConfig,
    private readonly log: Logger,
  ) {}

  /** False while the last store write failed (for /readyz). */
  get healthy(): boolean {
    return this.storeHealthy;
  }

  stop(): void {
    this.stopped = true;
  }

  /**
   * Validates `events` at once (before the first await, so a source may start the next batch's
   * validation while this one's writes are in flight), then writes after the previous batch's writes.
   */
  async ingestBatch(events: RawEvent[], keepAlive: () => Promise<void> = async () => undefined): Promise<BatchSummary> {
    const previous = this.lane;
    let release!: () => void;
    this.lane = new Promise<void>((resolve) => (release = resolve));
    try {
      const sum = this.validate(events);
      // The lineage reads start now, so Redis does them while the previous batch's writes run.
      const lineage = sum.facts.length > 0 ? this.store.prefetchLineage?.(sum.facts) : undefined;
      await previous;
      return await this.write(sum, keepAlive, lineage);
    } finally {
      release();
    }
  }

  private validate(events: RawEvent[]): Validated {
    const sum: BatchSummary = { received: events.length, applied: 0, duplicates: 0, rewound: 0, rejected: 0, filtered: 0, skipped: 0, metrics: 0 };
    const letters: DeadLetter[] = [];
    const facts: ActivationFact[] = [];
    // A Kafka chunk shares one origin object: its stream name is built once.
    let origin: RawEvent['origin'] | undefined;
    let stream = '';
    for (const ev of events) {
      const r = ev.decoded !== undefined ? validateEventMessage(ev.decoded) : parseEventMessage(ev.value);
      if (!r.ok) {
        letters.push(deadLetterOf(ev, r.reason, r.error));
        this.metrics.rejected.inc({ reason: r.reason });
        continue;
      }
      const msg = r.event;
      if (this.cfg.sourceFilter !== undefined && msg.source !== this.cfg.sourceFilter) {
        sum.filtered++;
      } else if (msg.eventType === 'Metric') {
        sum.metrics++;
        this.metrics.owMetrics.inc({ metric: msg.body.metricName });
      } else if (!runsInContainer(msg)) {
        sum.skipped++;
      } else {
        if (ev.origin !== origin) {
          origin = ev.origin;
          stream = streamOf(origin);
        }
        facts.push(toActivationFact(msg, ev, stream));
      }
    }
    sum.rejected = letters.length;
    return { sum, letters, facts };
  }

  private async write({ sum, letters, facts }: Validated, keepAlive: () => Promise<void>, lineage?: LineagePrefetch): Promise<BatchSummary> {
    const end = this.metrics.batchSeconds.startTimer();
    if (letters.length > 0) {
      await this.untilDone('dlq', keepAlive, () => this.dlq.send(letters));
      this.metrics.deadLetters.inc(letters.length);
      this.log.warn({ rejected: letters.length, first: { reason: letters[0].reason, error: letters[0].error } }, 'rejected messages sent to the dead-letter topic');
    }
    if (facts.length > 0) await this.applyFacts(facts, sum, keepAlive, lineage);
    this.metrics.events.inc({ outcome: 'applied' }, sum.applied);
    this.metrics.events.inc({ outcome: 'duplicate' }, sum.duplicates);
    this.metrics.events.inc({ outcome: 'rejected' }, sum.rejected);
    this.metrics.events.inc({ outcome: 'filtered' }, sum.filtered);
    this.metrics.events.inc({ outcome: 'skipped' }, sum.skipped);
    this.metrics.events.inc({ outcome: 'metric' }, sum.metrics);
    end();
    if (facts.length > 0 && this.onApplied) {
      try {
        this.onApplied(facts);
      } catch (err) {
        this.log.error({ err: String(err) }, 'onApplied hook failed');
      }
    }
    return sum;
  }

  /**
   * Late lineage (rare: the agent's reply waits for its write, but a write may fail or land late):
   * held-back activations are retried every 50-200 ms until the grace period ends, then applied
   * with action-level statistics only.
   */
  private async applyFacts(facts: ActivationFact[], sum: BatchSummary, keepAlive: () => Promise<void>, lineage?: LineagePrefetch): Promise<void> {
    const deadline = Date.now() + this.cfg.lineageGraceMs;
    let pending = facts;
    for (let round = 0; pending.length > 0; round++) {
      const defer = Date.now() < deadline;
      const batch = pending;
      const res = await this.untilDone('store', keepAlive, () => this.store.ingestActivations(batch, { deferMissingLineage: defer, lineage: round === 0 ? lineage : undefined }));
      sum.applied += res.applied;
      sum.duplicates += res.duplicates;
      sum.rewound += res.rewound;
      if (res.rewound > 0) {
        this.metrics.rewound.inc(res.rewound);
        this.log.warn({ rewound: res.rewound, stream: batch[0]?.stream }, 'events below the stream watermark but newer than every applied event: the stream restarted at lower offsets (topic recreated?); applied them and moved the watermark down');
      }
      this.metrics.lineage.inc({ joined: 'true' }, res.withLineage);
      this.metrics.lineage.inc({ joined: 'false' }, res.withoutLineage);
      if (res.invalidLineage) {
        this.metrics.invalidLineage.inc(res.invalidLineage);
        this.log.warn({ invalid: res.invalidLineage }, 'unreadable lineage records; their activations were applied without lineage');
      }
      pending = res.pending;
      if (pending.length > 0) {
        if (round === 0) this.metrics.lineageWaits.inc(pending.length);
        await keepAlive();
        await sleep(Math.min(200, 50 * 2 ** round, Math.max(0, deadline - Date.now())));
      }
    }
  }

  /** Runs `op` until it succeeds, pausing ingest meanwhile; throws only when stopped. */
  private async untilDone<T>(target: 'store' | 'dlq', keepAlive: () => Promise<void>, op: () => Promise<T>): Promise<T> {
    let delay = this.cfg.retryDelayMs ?? 100;
    for (let attempt = 1; ; attempt++) {
      if (this.stopped) throw new StoppedError();
      try {
        const out = await op();
        if (attempt > 1) {
          this.log.info({ target, attempts: attempt }, 'write succeeded again; ingest resumes');
          this.metrics.paused.set(0);
        }
        if (target === 'store') this.storeHealthy = true;
        return out;
      } catch (err) {
        if (target === 'store') this.storeHealthy = false;
        this.metrics.storeErrors.inc({ target });
        this.metrics.paused.set(1);
        if (attempt === 1 || attempt % 20 === 0) this.log.warn({ target, attempt, err: String(err) }, 'write failed; ingest paused, retrying');
        try {
          await keepAlive();
        } catch {
          // Losing the group while paused only means the batch is redelivered later.
        }
        await sleep(delay);
        delay = Math.min(2000, delay * 2);
      }
    }
  }
}
