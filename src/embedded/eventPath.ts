/**
 * The path of activation events from the local invoker to the sidecar's ingest, which applies them to
 * the store: the in-process bus (embedded mode), or a Kafka topic read by the sidecar's Kafka source in
 * its own consumer group (bench; production-like).
 */
import type { ActivationEventMessage } from '../bench/activationEvent';
import { KafkaEventSink } from '../bench/kafkaEvents';
import type { EventSink } from '../bench/localInvoker';
import { InProcessEventBus } from '../events/bus';
import { KafkaEventSource } from '../events/kafka-source';
import type { BatchHandler, EventSource } from '../events/source';
import { partLogger, type Logger } from '../log/logger';
import type { StateStore } from '../store/types';
import { sidecarIngest } from './ingestHandler';

export type EventPathOptions = { kind: 'inprocess' } | { kind: 'kafka'; brokers: string[]; topic: string; groupId: string };

export interface EventPath extends EventSink {
  description: string;
  close(): Promise<void>;
}

export async function openEventPath(store: StateStore, opts: EventPathOptions, log: Logger): Promise<EventPath> {
  const ingest = sidecarIngest(store, partLogger(log, 'ingest'));
  const handler: BatchHandler = ingest.handler;
  if (opts.kind === 'inprocess') {
    const bus = new InProcessEventBus(1000, (err) => log.warn({ err: String(err) }, 'ingest of an event batch failed; retrying'));
    await bus.start(handler);
    return {
      description: 'in-process bus',
      publish: async (m: ActivationEventMessage) => bus.publish(m),
      close: async () => {
        await bus.flush();
        ingest.ingestor.stop();
        await bus.stop();
      },
    };
  }
  const sink = await KafkaEventSink.connect(opts.brokers, opts.topic);
  let source: EventSource | undefined;
  try {
    source = new KafkaEventSource(
      { brokers: opts.brokers, topic: opts.topic, groupId: opts.groupId, fromBeginning: true, maxBatchEvents: 1000 },
      partLogger(log, 'kafka-source'),
    );
    await source.start(handler);
  } catch (error) {
    await sink.close();
    throw error;
  }
  const started = source;
  return {
    description: `Kafka topic ${opts.topic} (${opts.brokers.join(',')}), consumer group ${opts.groupId}`,
    publish: (m) => sink.publish(m),
    close: async () => {
      ingest.ingestor.stop();
      await started.stop();
      await sink.close();
    },
  };
}
