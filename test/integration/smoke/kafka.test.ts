/** The Kafka of the test environment is a real broker: a message goes through it with kafkajs. */
import { expect } from 'chai';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { kafkaBrokers, testPrefix } from '../../support/env';

describe('smoke: Kafka broker', function () {
  this.timeout(60_000);
  const prefix = testPrefix('smoke-kafka');
  const topic = `${prefix}events`;
  let kafka: Kafka;
  let producer: Producer | undefined;
  let consumer: Consumer | undefined;

  before(() => {
    kafka = new Kafka({ clientId: `${prefix}client`, brokers: kafkaBrokers(), logLevel: logLevel.WARN });
  });

  after(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
  });

  it('delivers a produced message to a consumer group', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    expect(await admin.listTopics()).to.include(topic);
    await admin.disconnect();

    consumer = kafka.consumer({ groupId: `${prefix}group` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = new Promise<{ key: string; value: string; offset: string }>((resolve) => {
      void consumer!.run({
        eachMessage: async ({ message }) => resolve({ key: String(message.key), value: String(message.value), offset: message.offset }),
      });
    });

    producer = kafka.producer();
    await producer.connect();
    const body = JSON.stringify({ activationId: 'a1b2c3', duration: 42 });
    const [meta] = await producer.send({ topic, messages: [{ key: 'ns/hello', value: body }] });
    expect(meta.errorCode).to.equal(0);

    const message = await received;
    expect(message).to.deep.equal({ key: 'ns/hello', value: body, offset: '0' });
  });
});
