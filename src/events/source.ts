/**
 * Where events come from, kept apart from the ingest core so that the core is the same for Kafka
 * (production) and for the in-process bus (embedded mode).
 */

/** One message as received. */
export interface RawEvent {
  /** Bytes from Kafka, or null for an empty message. */
  value: Buffer | string | null;
  /** Already decoded JSON (the in-process bus), used instead of `value` when present. */
  decoded?: unknown;
  /** Where in the source (one object shared by a whole chunk), copied into dead letters. */
  origin: { source: string; topic?: string; partition?: number };
  /** The message's offset in that source (its own field: a per-event origin object would be one more allocation per event). */
  offset?: string;
}

/**
 * Handles one batch. When the promise resolves, every event of the batch is in the store (or in the
 * dead-letter topic) and the source may commit past it. During long waits (store unavailable) the
 * handler calls `keepAlive` so the source keeps its group membership.
 */
export type BatchHandler = (events: RawEvent[], keepAlive: () => Promise<void>) => Promise<void>;

export interface EventSource {
  readonly kind: 'kafka' | 'in-process';
  start(handler: BatchHandler): Promise<void>;
  stop(): Promise<void>;
  /** For /readyz: connected to the broker and member of the group (always true in process). */
  isConnected(): boolean;
}
