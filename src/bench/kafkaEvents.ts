/** Publishes the local invoker's events to a Kafka topic, as OpenWhisk's invoker does (no key, JSON). */
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { ActivationEventMessage } from './activationEvent';
import type { EventSink } from './localInvoker';

export class KafkaEventSink implements EventSink {
  private constructor(
    private readonly producer: Producer,
    readonly topic: string,
  ) {}

  static async connect(brokers: string[], topic: string, clientId = 'pronghorn-local-invoker'): Promise<KafkaEventSink> {
    const kafka = new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      // One partition, like OpenWhisk's events topic.
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    return new KafkaEventSink(producer, topic);
  }

  async publish(message: ActivationEventMessage): Promise<void> {
    await this.producer.send({ topic: this.topic, messages: [{ value: JSON.stringify(message) }] });
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}
