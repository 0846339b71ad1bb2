/**
 * What the test environment (test/support/global-setup.ts) provides to tests. Each accessor throws a
 * clear error when its service was not started, instead of letting a test time out on a missing broker.
 */
import fs from 'node:fs';
import { fromRepo, infraSettings } from '../../src/infra/settings';

const HOW = 'run the suite with `npm test`, or mocha with an integration test path (the global setup starts Kafka and Redis for those; PRONGHORN_TEST_ENV=on forces it)';

export function kafkaBrokers(): string[] {
  const value = process.env.PRONGHORN_TEST_KAFKA_BROKERS;
  if (!value) throw new Error(`no Kafka test broker: PRONGHORN_TEST_KAFKA_BROKERS is unset; ${HOW}`);
  return value.split(',').map((b) => b.trim()).filter(Boolean);
}

export function redisUrl(): string {
  const value = process.env.PRONGHORN_TEST_REDIS_URL;
  if (!value) throw new Error(`no test Redis: PRONGHORN_TEST_REDIS_URL is unset; ${HOW}`);
  return value;
}

/** This run's prefix for Redis keys and Kafka topics; made here if no global setup ran. */
export function runPrefix(): string {
  if (!process.env.PRONGHORN_TEST_PREFIX) process.env.PRONGHORN_TEST_PREFIX = newRunPrefix();
  return process.env.PRONGHORN_TEST_PREFIX;
}

export function newRunPrefix(): string {
  return `pht-${Date.now().toString(36)}-${process.pid}`;
}

/**
 * A prefix unique to this run and this name, usable both for Redis keys and for Kafka topic names
 * (only [A-Za-z0-9._-]): e.g. `pht-m3x1k2-4242.smoke-kafka.`.
 */
export function testPrefix(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9_-]+/g, '-');
  return `${runPrefix()}.${clean}.`;
}

/** The CRIU binary (PRONGHORN_CRIU_BIN or .cache/criu/bin/criu); throws if it is not installed. */
export function criuBin(): string {
  const bin = fromRepo(infraSettings.load().criuBin);
  try {
    fs.accessSync(bin, fs.constants.X_OK);
  } catch {
    throw new Error(`CRIU is not installed at ${bin} (PRONGHORN_CRIU_BIN): run \`bash scripts/install-criu.sh\` (npm test does it)`);
  }
  return bin;
}
