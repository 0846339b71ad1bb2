/**
 * An in-process event source for the embedded mode: the local invoker publishes EventMessages exactly
 * as OpenWhisk would put them on Kafka, and the sidecar's ingest core consumes them in batches.
 */
import { randomBytes } from 'node:crypto';
import type { BatchHandler, EventSource, RawEvent } from './source';

export class InProcessEventBus implements EventSource {
  readonly kind = 'in-process' as const;
  private queue: RawEvent[] = [];
  private handler: BatchHandler | null = null;
  private running: Promise<void> | null = null;
  private waiters: (() => void)[] = [];
  private published = 0;
  /**
   * Offsets count from 1 in every bus, so each bus is a stream of its own for the store's watermarks: a
   * process restarted against the same Redis must not look like a replay of the previous one's events.
   */
  private readonly origin = { source: `in-process:${randomBytes(4).toString('hex')}` };

  constructor(
    private readonly maxBatch = 1000,
    /** A failed batch stays queued and is retried; this hears about the failure. */
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /** Publishes one EventMessage (an object as OpenWhisk serialises it, or its JSON text). */
  publish(message: unknown): void {
    const n = ++this.published;
    const origin = this.origin;
    const offset = String(n);
    this.queue.push(typeof message === 'string' || Buffer.isBuffer(message) ? { value: message, origin, offset } : { value: null, decoded: message, origin, offset });
    this.kick();
  }

  /** Resolves once every event published so far has been handled. */
  flush(): Promise<void> {
    if (this.queue.length === 0 && !this.running) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async start(handler: BatchHandler): Promise<void> {
    this.handler = handler;
    this.kick();
  }

  async stop(): Promise<void> {
    this.handler = null;
    await this.running;
  }

  isConnected(): boolean {
    return true;
  }

  get pending(): number {
    return this.queue.length;
  }

  private kick(): void {
    if (this.running || !this.handler) return;
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.queue.length > 0 && this.handler) this.kick();
      else if (this.queue.length === 0) this.waiters.splice(0).forEach((w) => w());
    });
  }

  private async drain(): Promise<void> {
    // Let publishers of the same tick join one batch.
    await new Promise((r) => setImmediate(r));
    while (this.handler && this.queue.length > 0) {
      const batch = this.queue.slice(0, this.maxBatch);
      // Removed only after the handler succeeded: at-least-once, like the Kafka source.
      try {
        await this.handler(batch, async () => undefined);
        this.queue.splice(0, batch.length);
      } catch (err) {
        this.onError(err);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }
}
