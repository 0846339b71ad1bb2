/**
 * The baselines of bench-ingest: a bare kafkajs consumer (eachBatch, counts only, the sidecar's fetch
 * settings) in a fresh process of its own, as the sidecar runs in one. With PRONGHORN_BARE_WORK=validate it
 * also runs the sidecar's own parsing and validation (parseEventMessage: JSON.parse and the schema) on
 * every message, and stores nothing: the rate any consumer of OpenWhisk's JSON events can reach on this
 * machine before it keeps any state. Reads PRONGHORN_BARE_BROKERS (comma-separated), PRONGHORN_BARE_TOPIC
 * and PRONGHORN_BARE_EVENTS; prints one JSON line `{"joinedAt", "lastAt", "seen", "valid"}` (epoch ms;
 * `valid`: messages that passed validation, validate only) once it has seen that many events, then exits.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { FETCH_SETTINGS } from '../events/kafka-source';
import { parseEventMessage } from '../events/parse';

async function main(): Promise<void> {
  const brokers = (process.env.PRONGHORN_BARE_BROKERS ?? '').split(',').filter(Boolean);
  const topic = process.env.PRONGHORN_BARE_TOPIC ?? '';
  const n = Number(process.env.PRONGHORN_BARE_EVENTS);
  if (brokers.length === 0 || !topic || !(n > 0)) throw new Error('set PRONGHORN_BARE_BROKERS, PRONGHORN_BARE_TOPIC and PRONGHORN_BARE_EVENTS');
  const work = process.env.PRONGHORN_BARE_WORK ?? 'none';
  if (work !== 'none' && work !== 'validate') throw new Error(`PRONGHORN_BARE_WORK must be none or validate, not ${work}`);
  const validate = work === 'validate';
  const kafka = new Kafka({ clientId: 'pronghorn-bare-consumer', brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `bare-${randomBytes(4).toString('hex')}`, ...FETCH_SETTINGS });
  let joinedAt = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joinedAt = Date.now();
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  let valid = 0;
  const lastAt = await new Promise<number>((resolve) => {
    void consumer.run({
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        if (validate) for (const m of batch.messages) if (parseEventMessage(m.value).ok) valid++;
        seen += batch.messages.length;
        if (seen >= n) resolve(Date.now());
      },
    });
  });
  process.stdout.write(`${JSON.stringify({ joinedAt, lastAt, seen, ...(validate ? { valid } : {}) })}\n`);
  await consumer.disconnect();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bare consumer: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
