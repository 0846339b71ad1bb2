/**
 * Mocha global setup/teardown (loaded through .mocharc.json): before the first test it starts a real Kafka
 * broker and finds or starts Redis, and exports them to tests as PRONGHORN_TEST_KAFKA_BROKERS,
 * PRONGHORN_TEST_REDIS_URL, PRONGHORN_TEST_PREFIX and PRONGHORN_CRIU_BIN (read them through
 * test/support/env.ts). After the last test it stops what it started and deletes this run's Redis keys.
 *
 * When it starts services: PRONGHORN_TEST_ENV=on|off decides; unset, it skips them when mocha was given
 * only unit test paths (so `npx mocha test/unit/x.test.ts` stays fast). Values already present in the
 * environment (e.g. PRONGHORN_TEST_KAFKA_BROKERS of a broker you run yourself) are used as they are.
 */
import Redis from 'ioredis';
import { reapOrphans } from '../../src/infra/processes';
import { runDir } from '../../src/infra/paths';
import { startKafkaBroker, type KafkaBroker } from '../../src/infra/kafka';
import { acquireRedis, deleteKeysMatching, type AcquiredRedis } from '../../src/infra/redis';
import { fromRepo, infraSettings } from '../../src/infra/settings';
import { runPrefix } from './env';

let kafka: KafkaBroker | undefined;
let redis: AcquiredRedis | undefined;
let startedPids: number[] = [];

function servicesWanted(argv: string[]): boolean {
  const mode = (process.env.PRONGHORN_TEST_ENV ?? '').toLowerCase();
  if (mode === 'on' || mode === '1') return true;
  if (mode === 'off' || mode === '0') return false;
  const specs = argv.filter((a) => a.includes('test/'));
  return !(specs.length > 0 && specs.every((a) => a.includes('test/unit')));
}

async function stopAll(): Promise<void> {
  const stopping = [kafka?.stop(), redis?.stop()];
  kafka = undefined;
  redis = undefined;
  await Promise.allSettled(stopping);
  startedPids = [];
}

function onSignal(signal: NodeJS.Signals): void {
  process.stderr.write(`test environment: ${signal}, stopping Kafka/Redis it started\n`);
  void stopAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
}

export async function mochaGlobalSetup(): Promise<void> {
  process.env.PRONGHORN_TEST_PREFIX ??= runPrefix();
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1'; // kafkajs 2 prints a migration notice per producer otherwise
  process.env.PRONGHORN_CRIU_BIN = fromRepo(infraSettings.load().criuBin);
  if (!servicesWanted(process.argv.slice(2))) return;

  const reaped = await reapOrphans(runDir());
  if (reaped.length) process.stderr.write(`test environment: stopped leftovers of an interrupted run: ${reaped.join(', ')}\n`);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // Last resort when the process exits without teardown: never leave a broker behind.
  process.once('exit', () => startedPids.forEach((pid) => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }));

  const started = Date.now();
  const [k, r] = await Promise.allSettled([
    process.env.PRONGHORN_TEST_KAFKA_BROKERS ? Promise.resolve(undefined) : startKafkaBroker({ pidDir: runDir() }),
    process.env.PRONGHORN_TEST_REDIS_URL ? Promise.resolve(undefined) : acquireRedis({ pidDir: runDir() }),
  ]);
  if (k.status === 'fulfilled' && k.value) {
    kafka = k.value;
    startedPids.push(k.value.pid);
    process.env.PRONGHORN_TEST_KAFKA_BROKERS = k.value.brokers.join(',');
  }
  if (r.status === 'fulfilled' && r.value) {
    redis = r.value;
    process.env.PRONGHORN_TEST_REDIS_URL = r.value.url;
  }
  const failures = [k, r].filter((x): x is PromiseRejectedResult => x.status === 'rejected').map((x) => (x.reason as Error).message);
  if (failures.length) {
    await stopAll();
    throw new Error(`test environment could not start:\n${failures.join('\n')}`);
  }
  process.stderr.write(
    `test environment ready in ${Date.now() - started} ms: kafka ${process.env.PRONGHORN_TEST_KAFKA_BROKERS}, redis ${process.env.PRONGHORN_TEST_REDIS_URL}${redis?.started ? ' (started)' : ''}, prefix ${process.env.PRONGHORN_TEST_PREFIX}\n`,
  );
}

/** Deletes every key of this run (prefix `pht-<run>`) from the shared Redis. */
async function deleteRunKeys(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await deleteKeysMatching(client, `${prefix}*`);
  } catch {
    /* best effort: a run's keys are namespaced anyway */
  } finally {
    client.disconnect();
  }
}

export async function mochaGlobalTeardown(): Promise<void> {
  const url = process.env.PRONGHORN_TEST_REDIS_URL;
  const prefix = process.env.PRONGHORN_TEST_PREFIX;
  if (url && prefix) await deleteRunKeys(url, prefix);
  await stopAll();
}
