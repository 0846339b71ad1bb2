/** Settings of `pronghorn bench` (flags override them). */
import { z } from 'zod';
import { defineSettings } from '../config/settings';

const list = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
  .pipe(z.array(z.string()).min(1));

export const benchSettings = defineSettings('bench', {
  actions: {
    env: 'PRONGHORN_BENCH_ACTIONS',
    schema: list,
    default: ['hash', 'word-count', 'html-rendering', 'matrix-multiplication'],
    description: 'Comma-separated actions (directories of actions/) to benchmark',
  },
  policies: {
    env: 'PRONGHORN_BENCH_POLICIES',
    schema: list,
    default: ['cold', 'fixed:1', 'artifact', 'pronghorn'],
    description: 'Comma-separated policies compared; improvements are reported over fixed:1',
  },
  evictions: {
    env: 'PRONGHORN_BENCH_EVICTIONS',
    schema: list,
    default: ['E=1', 'E=4', 'E=20'],
    description: 'Comma-separated eviction models: E=N (after N requests, the paper) or idle=10s (OpenWhisk-style idle time)',
  },
  requests: {
    env: 'PRONGHORN_BENCH_REQUESTS',
    schema: z.coerce.number().int().min(20),
    default: 500,
    description: 'Sequential requests per cell (action × policy × eviction)',
  },
  seed: {
    env: 'PRONGHORN_BENCH_SEED',
    schema: z.coerce.number().int(),
    default: 42,
    description: 'Seed of the request inputs and of the policies',
  },
  out: {
    env: 'PRONGHORN_BENCH_OUT',
    schema: z.string().min(1),
    default: undefined,
    description: 'Report directory; unset: bench/reports/<UTC timestamp>',
  },
  kafkaBrokers: {
    env: 'PRONGHORN_BENCH_KAFKA_BROKERS',
    schema: list,
    default: undefined,
    description: 'Kafka brokers the bench publishes events to (host:port, comma-separated); unset: a Kafka 3.9 broker is started for the run',
  },
  ingestWaitMs: {
    env: 'PRONGHORN_BENCH_INGEST_WAIT_MS',
    schema: z.coerce.number().int().min(0),
    default: 2_000,
    description: 'Longest wait for the sidecar to apply earlier events before a cell’s next worker is chosen, ms',
  },
});
