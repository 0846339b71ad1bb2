/**
 * The batch handler that applies events to the store: the sidecar's ingest core (validation, dead
 * letters, lineage join, idempotent store update, retries while the store is down), with an in-memory
 * dead-letter sink and a metrics registry of its own.
 */
import { MemoryDeadLetterSink } from '../events/dlq';
import type { BatchHandler } from '../events/source';
import type { Logger } from '../log/logger';
import { Ingestor } from '../sidecar/ingest';
import { IngestMetrics } from '../sidecar/metrics';
import type { StateStore } from '../store/types';

export interface IngestHandle {
  handler: BatchHandler;
  ingestor: Ingestor;
  deadLetters: MemoryDeadLetterSink;
}

export function sidecarIngest(store: StateStore, log: Logger): IngestHandle {
  const deadLetters = new MemoryDeadLetterSink();
  // The agent replies only once its lineage write is stored, so lineage is never late here; the grace is a guard.
  const ingestor = new Ingestor(store, deadLetters, new IngestMetrics(false), { lineageGraceMs: 2_000 }, log);
  return {
    ingestor,
    deadLetters,
    handler: async (events, keepAlive) => {
      await ingestor.ingestBatch(events, keepAlive);
    },
  };
}
