/**
 * Dead letters: every rejected message is copied, with the reason, to a topic (default `pronghorn-dlq`)
 * so that nothing a producer sends is dropped silently.
 */
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { RejectReason } from './parse';
import type { RawEvent } from './source';

export interface DeadLetter {
  reason: RejectReason;
  error: string;
  origin: RawEvent['origin'] & { offset?: string };
  /** Epoch ms. */
  rejectedAt: number;
  /** The message as received (UTF-8 text), or null if it was empty. */
  value: string | null;
}

export interface DeadLetterSink {
  readonly kind: string;
  send(letters: DeadLetter[]): Promise<void>;
  close(): Promise<void>;
}

export function deadLetterOf(ev: RawEvent, reason: RejectReason, error: string): DeadLetter {
  let value: string | null;
  if (ev.decoded !== undefined) {
    try {
      value = JSON.stringify(ev.decoded) ?? null;
    } catch {
      value = String(ev.decoded);
    }
  } else {
    value = ev.value === null ? null : ev.value.toString();
  }
  return { reason, error, origin: { ...ev.origin, offset: ev.offset }, rejectedAt: Date.now(), value };
}

export class KafkaDeadLetterSink implements DeadLetterSink {
  readonly kind = 'kafka';
  private readonly producer: Producer;
  private connected: Promise<void> | null = null;

  constructor(brokers: string[], private readonly topic: string, clientId = 'pronghorn-sidecar-dlq') {
    const kafka = new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING });
    this.producer = kafka.producer({ allowAutoTopicCreation: true });
  }

  async send(letters: DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    this.connected ??= this.producer.connect().catch((err) => {
      this.connected = null;
      throw err;
    });
    await this.connected;
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: letters.map((l) => ({ value: JSON.stringify(l), headers: { 'pronghorn-reject-reason': l.reason } })),
    });
  }

  async close(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
  }
}

/** Keeps the most recent dead letters in memory (embedded mode, tests). */
export class MemoryDeadLetterSink implements DeadLetterSink {
  readonly kind = 'memory';
  readonly letters: DeadLetter[] = [];
  total = 0;

  constructor(private readonly keep = 1000) {}

  async send(letters: DeadLetter[]): Promise<void> {
    this.total += letters.length;
    this.letters.push(...letters);
    if (this.letters.length > this.keep) this.letters.splice(0, this.letters.length - this.keep);
  }

  async close(): Promise<void> {}
}
