/**
 * What `pronghorn bench` runs on: a real Kafka broker (started for the run unless brokers are given),
 * a real Redis (acquireRedis: REDIS_URL, 127.0.0.1:6379, or one started for the run) under a run-unique
 * key prefix, and the stack (sidecar ingest from Kafka into Redis, criu agent) in this process.
 */
import Redis from 'ioredis';
import { startKafkaBroker, type KafkaBroker } from '../infra/kafka';
import { acquireRedis, deleteKeysMatching, type AcquiredRedis } from '../infra/redis';
import type { Logger } from '../log/logger';
import { openStack, type Stack } from '../embedded/stack';
import { InputGenerator } from './inputs';
import { startActionServices } from './services';
import type { BenchEnvironment } from './runner';

export interface BenchEnvironmentOptions {
  kafkaBrokers?: string[];
  redisUrl?: string;
  seed: number;
  log: Logger;
  /** The actions to run: those that need a local service (upload's object store, video's ffmpeg) get it. */
  actions?: string[];
}

export interface OpenBenchEnvironment extends BenchEnvironment {
  /** Namespace of the run's action names, also its Redis prefix and Kafka topic stem. */
  namespace: string;
  stack: Stack;
  close(): Promise<void>;
}

/** Request i of an action: the same seeded params for every policy and eviction. */
export function seededParams(
  seed: number,
  serviceParams: (actionKey: string) => Record<string, unknown> = () => ({}),
): (actionKey: string, i: number) => Record<string, unknown> {
  const gens = new Map<string, { gen: InputGenerator; seen: Record<string, unknown>[] }>();
  return (actionKey, i) => {
    let g = gens.get(actionKey);
    if (!g) {
      g = { gen: new InputGenerator(actionKey, { seed, ranges: 'bench', serviceParams: serviceParams(actionKey) }), seen: [] };
      gens.set(actionKey, g);
    }
    while (g.seen.length <= i) g.seen.push(g.gen.next());
    return g.seen[i];
  };
}

export async function openBenchEnvironment(opts: BenchEnvironmentOptions): Promise<OpenBenchEnvironment> {
  const namespace = `bench-${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${process.pid}`;
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => opts.log.warn({ err: String(err) }, 'error while stopping'));
  };
  try {
    let brokers = opts.kafkaBrokers;
    if (!brokers || brokers.length === 0) {
      opts.log.info('starting a Kafka broker for the run');
      const broker: KafkaBroker = await startKafkaBroker();
      stops.push(() => broker.stop());
      brokers = broker.brokers;
    }
    const services = await startActionServices(opts.actions ?? []);
    stops.push(() => services.close());
    const redis: AcquiredRedis = await acquireRedis(opts.redisUrl ? { url: opts.redisUrl } : {});
    stops.push(() => redis.stop());
    const stack = await openStack({
      store: { kind: 'redis', url: redis.url, prefix: `${namespace}:` },
      events: { kind: 'kafka', brokers, topic: `${namespace}.events`, groupId: `${namespace}-sidecar` },
      log: opts.log,
    });
    stops.push(async () => {
      // Closed first, so that nothing of the run (an activation in flight, the ingest) writes a key
      // after the clean-up.
      await stack.close();
      await cleanRedis(redis.url, `${namespace}:`);
    });
    return {
      namespace,
      stack,
      store: stack.store,
      agent: stack.agent,
      events: stack.events,
      deploy: async (qualified, actionKey) => stack.deploy(qualified, actionKey),
      paramsFor: seededParams(opts.seed, services.paramsFor),
      eventsVia: stack.eventsVia,
      storeName: stack.storeName,
      close: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * The run's keys are bench data only (the report has what matters): remove them from the shared Redis,
 * over a connection of its own (the stack's is closed by then).
 */
async function cleanRedis(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    await deleteKeysMatching(redis, `${prefix}*`);
  } finally {
    redis.disconnect();
  }
}
