/** Settings of the sidecar's ingest: Kafka, Redis, idempotency, lineage join, HTTP port. */
import { z } from 'zod';
import { defineSettings, zBool } from '../config/settings';

const brokerList = z
  .string()
  .transform((s) => s.split(',').map((b) => b.trim()).filter(Boolean))
  .refine((l) => l.length > 0 && l.every((b) => /^[^\s:]+:\d+$/.test(b)), 'expected host:port[,host:port...]');

const positiveInt = z.coerce.number().int().positive();

export const sidecarSettings = defineSettings('sidecar', {
  kafkaBrokers: {
    env: 'PRONGHORN_KAFKA_BROKERS',
    schema: brokerList,
    default: undefined,
    description: 'Kafka bootstrap brokers (host:port, comma-separated); unset: no Kafka, events come from the in-process bus',
  },
  eventsTopic: {
    env: 'PRONGHORN_EVENTS_TOPIC',
    schema: z.string().min(1),
    default: 'events',
    description: "Topic OpenWhisk publishes EventMessages to (OpenWhisk's name is `events`)",
  },
  groupId: {
    env: 'PRONGHORN_SIDECAR_GROUP',
    schema: z.string().min(1).refine((g) => !/^(invoker|completed|health|kamon)\d*$/.test(g), "must not be one of OpenWhisk's own groups"),
    default: 'pronghorn-sidecar',
    description: "Kafka consumer group of the sidecar (never one of OpenWhisk's: invoker<N>, completed<C>, health<C>, kamon)",
  },
  sourceFilter: {
    env: 'PRONGHORN_EVENTS_SOURCE',
    schema: z.string().min(1),
    default: undefined,
    description: 'Only ingest events whose `source` equals this (e.g. invoker0, one sidecar per invoker node); unset: all',
  },
  fromBeginning: {
    env: 'PRONGHORN_EVENTS_FROM_BEGINNING',
    schema: zBool,
    default: true,
    description: 'A new consumer group starts at the oldest retained event (true) or at new events only (false)',
  },
  sessionTimeoutMs: {
    env: 'PRONGHORN_KAFKA_SESSION_TIMEOUT_MS',
    schema: z.coerce.number().int().min(6000),
    default: 30_000,
    description: 'Kafka consumer session timeout (ms): how soon the group notices a dead sidecar and hands its partitions on',
  },
  dlqTopic: {
    env: 'PRONGHORN_DLQ_TOPIC',
    schema: z.string().min(1),
    default: 'pronghorn-dlq',
    description: 'Topic that receives every rejected message with its reason',
  },
  maxBatch: {
    env: 'PRONGHORN_INGEST_MAX_BATCH',
    schema: positiveInt,
    default: 5000,
    description: 'Most events put into the store (and committed) at once',
  },
  redisUrl: {
    env: 'PRONGHORN_REDIS_URL',
    schema: z.string().url(),
    default: undefined,
    description: 'Redis holding all state (redis://host:port); unset: in-memory store (embedded mode only)',
  },
  redisPrefix: {
    env: 'PRONGHORN_REDIS_PREFIX',
    schema: z.string().min(1).refine((p) => !/[{}]/.test(p), 'must not contain braces'),
    default: 'pronghorn:',
    description: 'Prefix of every Redis key; action keys continue with the hash tag {ns/pkg/name}',
  },
  lineageTtlSec: {
    env: 'PRONGHORN_LINEAGE_TTL_SEC',
    schema: positiveInt,
    default: 7200,
    description: 'How long lineage records (activation -> worker, request number) are kept (s)',
  },
  lineageGraceMs: {
    env: 'PRONGHORN_LINEAGE_GRACE_MS',
    schema: z.coerce.number().int().nonnegative(),
    default: 2000,
    description: 'How long an activation whose lineage is late is held back (retried) before it is applied without lineage (ms)',
  },
  lineageActiveMs: {
    env: 'PRONGHORN_LINEAGE_ACTIVE_MS',
    schema: positiveInt,
    default: 600_000,
    description: 'Lineage is awaited only for actions whose agent wrote lineage within this window of the event (ms)',
  },
  transientWindow: {
    env: 'PRONGHORN_TRANSIENT_WINDOW',
    schema: z.coerce.number().int().nonnegative(),
    default: 0,
    description: "Requests after a restore that feed the transient statistics instead of the curve (0: all feed the curve; the policy's default)",
  },
  decisionLogSize: {
    env: 'PRONGHORN_DECISION_LOG_SIZE',
    schema: positiveInt,
    default: 200,
    description: 'Entries kept in each action’s decision log',
  },
  listen: {
    env: 'PRONGHORN_SIDECAR_LISTEN',
    schema: z.string().regex(/^(\d+|[^:]+:\d+)$/, 'expected PORT or HOST:PORT'),
    default: '0.0.0.0:9464',
    description: 'HTTP address of /metrics, /healthz, /readyz (PORT or HOST:PORT; port 0 picks a free one)',
  },
});

export type SidecarSettings = ReturnType<typeof sidecarSettings.load>;
