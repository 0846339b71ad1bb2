/** Settings of `pronghorn up` / `npm start`, the embedded mode (flags override them). */
import { z } from 'zod';
import { defineSettings } from '../config/settings';

const list = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
  .pipe(z.array(z.string()).min(1));

export const embeddedSettings = defineSettings('embedded', {
  actions: {
    env: 'PRONGHORN_UP_ACTIONS',
    schema: list,
    default: ['hash', 'word-count', 'html-rendering'],
    description: 'Comma-separated actions (directories of actions/) put under load',
  },
  policy: {
    env: 'PRONGHORN_UP_POLICY',
    schema: z.string().min(1),
    default: 'pronghorn',
    description: 'Checkpoint policy of the embedded sidecar (cold, fixed:N, init, artifact, pronghorn[?params]); cold is used when CRIU cannot run',
  },
  eviction: {
    env: 'PRONGHORN_UP_EVICTION',
    schema: z.string().min(1),
    default: 'E=4',
    description: 'When the local invoker evicts workers: E=N (after N requests) or idle=10s (after an idle time)',
  },
  gapMs: {
    env: 'PRONGHORN_UP_GAP_MS',
    schema: z.coerce.number().int().min(0),
    default: 100,
    description: 'Pause between two requests of the load, ms',
  },
  listen: {
    env: 'PRONGHORN_UP_LISTEN',
    schema: z.string().regex(/^[^:]+:\d{1,5}$/, 'expected HOST:PORT'),
    default: '127.0.0.1:8096',
    description: 'Where the status page is served (HOST:PORT; port 0 picks a free one)',
  },
  redisUrl: {
    env: 'PRONGHORN_UP_REDIS_URL',
    schema: z.string().url(),
    default: undefined,
    description: 'Use this Redis as the store instead of the in-memory one',
  },
  kafkaBrokers: {
    env: 'PRONGHORN_UP_KAFKA_BROKERS',
    schema: list,
    default: undefined,
    description: 'Send events through these Kafka brokers instead of the in-process bus (host:port, comma-separated)',
  },
  seed: {
    env: 'PRONGHORN_UP_SEED',
    schema: z.coerce.number().int(),
    default: 42,
    description: 'Seed of the request inputs and of the policy',
  },
});
