/**
 * The sidecar against a real Kafka broker and a real Redis: validation with dead letters, source filter,
 * at-least-once with idempotency (a full replay counts nothing twice), and Redis going away and coming
 * back (a redis-server of this test's own, with an append-only file so it keeps its data).
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import axios from 'axios';
import { startSidecar, type RunningSidecar } from '../../../src/sidecar/main';
import { sidecarSettings } from '../../../src/sidecar/settings';
import { RedisStateStore } from '../../../src/store/redis';
import { freePort } from '../../../src/infra/ports';
import { kafkaBrokers, redisUrl, testPrefix } from '../../support/env';
import { activationMessage } from '../../unit/events/fixtures';
import { until } from '../../support/wait';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let seq = 0;
const id = () => `${Date.now().toString(16)}${(++seq).toString(16)}`.padStart(32, '0');

describe('sidecar with Kafka and Redis', function () {
  this.timeout(180_000);
  let kafka: Kafka;
  before(() => {
    kafka = new Kafka({ clientId: 'sidecar-it', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  });

  async function produce(topic: string, messages: string[]): Promise<void> {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: messages.map((value) => ({ value })) });
    await producer.disconnect();
  }

  async function createTopics(...topics: string[]): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 1 })), waitForLeaders: true });
    await admin.disconnect();
  }

  function settingsFor(prefix: string, url: string, extra: Record<string, unknown> = {}) {
    return sidecarSettings.load(
      { kafkaBrokers: kafkaBrokers().join(','), eventsTopic: `${prefix}events`, dlqTopic: `${prefix}dlq`, groupId: `${prefix}group`, redisUrl: url, redisPrefix: prefix, listen: '127.0.0.1:0', sessionTimeoutMs: 6000, ...extra },
      {},
    );
  }

  it('ingests valid events, dead-letters invalid ones with their reason, filters by source, and replays idempotently', async () => {
    const prefix = testPrefix('sidecar-e2e');
    await createTopics(`${prefix}events`, `${prefix}dlq`);
    const store = new RedisStateStore({ url: redisUrl(), prefix });
    const ids = Array.from({ length: 40 }, id);
    const t = Date.now();
    for (let i = 0; i < 40; i++) {
      await store.recordLineage({ activationId: ids[i], action: 'guest/e2e', workerId: 'w1', requestNumber: i + 1, requestsSinceStart: i + 1, origin: { kind: 'cold' }, recordedAt: t });
    }
    const good = ids.map((a, i) => JSON.stringify(activationMessage({ timestamp: t }, { activationId: a, name: 'guest/e2e', initTime: i === 0 ? 50 : 0, duration: (i === 0 ? 50 : 0) + 10 + i })));
    const other = JSON.stringify(activationMessage({ source: 'invoker7' }, { activationId: id(), name: 'guest/e2e' }));
    await produce(`${prefix}events`, [...good.slice(0, 20), 'garbage', other, JSON.stringify({ eventType: 'Activation' }), ...good.slice(20)]);

    let sidecar: RunningSidecar = await startSidecar({ settings: settingsFor(prefix, redisUrl(), { sourceFilter: 'invoker0' }) });
    try {
      await until('40 activations in Redis', 60_000, async () => (await store.getActionStats('guest/e2e')).activations === 40);
      await until('readiness', 10_000, async () => (await axios.get(`${sidecar.url}/readyz`, { validateStatus: () => true })).status === 200);
    } finally {
      await sidecar.stop();
    }
    const s = await store.getActionStats('guest/e2e');
    expect(s).to.include({ activations: 40, coldStarts: 1, withLineage: 40 });
    expect(s.slots.map((e) => e.slot)).to.deep.equal(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(s.slots[0].mean).to.equal(10);

    // Commits are coalesced while running; stopping sends the last one: the group's offset is past the
    // last of the 43 messages (rejected and filtered ones included).
    const offsetsAdmin = kafka.admin();
    await offsetsAdmin.connect();
    const [committed] = await offsetsAdmin.fetchOffsets({ groupId: `${prefix}group`, topics: [`${prefix}events`] });
    await offsetsAdmin.disconnect();
    expect(committed.partitions).to.deep.equal([{ partition: 0, offset: '43', metadata: null }]);

    // The dead-letter topic holds both rejects with their reasons.
    const consumer = kafka.consumer({ groupId: `${prefix}dlq-reader` });
    const letters: { reason: string; value: string; origin: { source: string; topic: string; partition: number; offset: string } }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topics: [`${prefix}dlq`], fromBeginning: true });
    void consumer.run({ eachMessage: async ({ message }) => void letters.push(JSON.parse(message.value!.toString())) });
    await until('2 dead letters', 30_000, async () => letters.length >= 2);
    await consumer.disconnect();
    expect(letters.map((l) => l.reason).sort()).to.deep.equal(['invalid_envelope', 'not_json']);
    expect(letters.find((l) => l.reason === 'not_json')!.value).to.equal('garbage');
    // Each letter says where its message was: topic, partition and its own offset.
    for (const l of letters) expect(l.origin).to.include({ source: 'kafka', topic: `${prefix}events`, partition: 0 });
    expect(new Set(letters.map((l) => l.origin.offset)).size).to.equal(2);

    // Replay everything from offset 0 under the same group: nothing may be counted again.
    const admin = kafka.admin();
    await admin.connect();
    await admin.resetOffsets({ groupId: `${prefix}group`, topic: `${prefix}events`, earliest: true });
    await admin.disconnect();
    sidecar = await startSidecar({ settings: settingsFor(prefix, redisUrl(), { sourceFilter: 'invoker0' }) });
    try {
      await until('the replay to be consumed', 60_000, async () => {
        const m = (await axios.get(`${sidecar.url}/metrics`)).data as string;
        return /pronghorn_events_total\{outcome="duplicate"\} 40/.test(m);
      });
    } finally {
      await sidecar.stop();
    }
    expect((await store.getActionStats('guest/e2e')).activations).to.equal(40);
    await store.close();
  });

  it('pauses while Redis is down and resumes when it is back, losing and doubling nothing', async () => {
    const prefix = testPrefix('sidecar-redis-down');
    await createTopics(`${prefix}events`, `${prefix}dlq`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pronghorn-it-redis-'));
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const startRedis = (): ChildProcess =>
      spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'], { stdio: 'ignore' });
    const stopRedis = async (c: ChildProcess) => {
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await exited;
    };
    let redis = startRedis();
    const store = new RedisStateStore({ url, prefix });
    const sidecar = await startSidecar({ settings: settingsFor(prefix, url) });
    try {
      await until('redis', 10_000, () => store.ping());
      const batch = (n: number) => Array.from({ length: n }, () => JSON.stringify(activationMessage({}, { activationId: id(), name: 'guest/down', initTime: 0 })));
      await produce(`${prefix}events`, batch(50));
      await until('first 50', 60_000, async () => (await store.getActionStats('guest/down')).activations === 50);

      await stopRedis(redis);
      await produce(`${prefix}events`, batch(70));
      await until('ingest to notice and pause', 30_000, async () => {
        const r = await axios.get(`${sidecar.url}/readyz`, { validateStatus: () => true });
        return r.status === 503 && r.data.checks.store === false;
      });
      await sleep(1500);
      redis = startRedis();
      await until('all 120 after the restart', 60_000, async () => (await store.getActionStats('guest/down').catch(() => null))?.activations === 120);
      await until('ready again', 20_000, async () => (await axios.get(`${sidecar.url}/readyz`, { validateStatus: () => true })).status === 200);
      const m = (await axios.get(`${sidecar.url}/metrics`)).data as string;
      expect(Number(/pronghorn_store_errors_total\{target="store"\} (\d+)/.exec(m)?.[1] ?? 0)).to.be.greaterThan(0);
      await sleep(500);
      const s = await store.getActionStats('guest/down');
      expect(s.activations).to.equal(120);
      expect(s.latency.count).to.equal(120);
    } finally {
      await sidecar.stop();
      await store.close();
      await stopRedis(redis);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
