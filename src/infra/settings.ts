/** Settings of the service launchers (test environment and benchmarks) and of the CRIU location. */
import path from 'node:path';
import { z } from 'zod';
import { defineSettings } from '../config/settings';
import { repoRoot } from './paths';

export const infraSettings = defineSettings('infra', {
  criuBin: {
    env: 'PRONGHORN_CRIU_BIN',
    schema: z.string().min(1),
    default: path.join('.cache', 'criu', 'bin', 'criu'),
    description: 'CRIU binary (4.2 or newer); relative paths are taken from the repository root. scripts/install-criu.sh installs it there.',
  },
  java: {
    env: 'PRONGHORN_JAVA',
    schema: z.string().min(1),
    default: undefined,
    description: 'Java used to run the Kafka broker for tests and benchmarks; unset: $JAVA_HOME/bin/java, else java on PATH',
  },
  kafkaLibs: {
    env: 'PRONGHORN_KAFKA_LIBS',
    schema: z.string().min(1),
    default: path.join('.cache', 'kafka', 'libs'),
    description: 'Directory of the Kafka broker jars (fetched with Maven by scripts/fetch-kafka.sh); relative to the repository root',
  },
  kafkaHeap: {
    env: 'PRONGHORN_KAFKA_HEAP',
    schema: z.string().regex(/^\d+[kmg]$/i, 'expected a JVM size such as 512m'),
    default: '512m',
    description: 'Maximum heap (-Xmx) of the Kafka broker started for tests and benchmarks',
  },
  redisUrl: {
    env: 'REDIS_URL',
    schema: z.string().url(),
    default: undefined,
    description: 'Redis used by tests and benchmarks when reachable; else 127.0.0.1:6379, else a redis-server started on a free port',
  },
});

/** Resolves a path setting against the repository root when it is relative. */
export function fromRepo(p: string): string {
  return path.isAbsolute(p) ? p : path.join(repoRoot(), p);
}
