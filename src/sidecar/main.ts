/**
 * Assembles a running sidecar: event source (Kafka, or the in-process bus when no broker is set), the
 * ingest core, the store (Redis, or in memory when no Redis is set), annotations, metrics and HTTP.
 * An optional orchestrator hook starts after ingest and stops before it, sharing the same parts.
 */
import type { FastifyInstance } from 'fastify';
import { logger, type Logger } from '../log/logger';
import type { StateStore } from '../store/types';
import { RedisStateStore } from '../store/redis';
import { MemoryStateStore } from '../store/memory';
import { InProcessEventBus } from '../events/bus';
import { KafkaEventSource } from '../events/kafka-source';
import { KafkaDeadLetterSink, MemoryDeadLetterSink, type DeadLetterSink } from '../events/dlq';
import type { EventSource } from '../events/source';
import { ActionSettingsSource } from '../openwhisk/actions';
import { openwhiskSettings } from '../openwhisk/settings';
import { Ingestor, StoppedError } from './ingest';
import { IngestMetrics } from './metrics';
import { buildHttp, parseListen } from './http';
import { statusPlugin } from '../status/plugin';
import { storeStatusSource } from '../status/source';
import type { SidecarSettings } from './settings';
import { slotOf } from '../policy/stats';

/** What an orchestrator (or any other extension) gets to work with. */
export interface SidecarContext {
  store: StateStore;
  source: EventSource;
  ingestor: Ingestor;
  metrics: IngestMetrics;
  actionSettings: ActionSettingsSource;
  log: Logger;
}

export interface SidecarHook {
  start(ctx: SidecarContext): Promise<void> | void;
  stop(): Promise<void> | void;
  /** Adds the hook's routes to the sidecar's HTTP port (called before it listens). */
  routes?(app: FastifyInstance): Promise<void> | void;
}

export interface SidecarOptions {
  settings: SidecarSettings;
  /** Overrides (tests, embedded mode); otherwise built from the settings. */
  store?: StateStore;
  source?: EventSource;
  dlq?: DeadLetterSink;
  actionSettings?: ActionSettingsSource;
  orchestrator?: SidecarHook;
  /** The Kafka consumer stopped for good (the `sidecar` command exits so that its supervisor restarts it). */
  onFatal?: (err: Error) => void;
  /** Serve HTTP (default true). */
  http?: boolean;
  log?: Logger;
}

export interface RunningSidecar extends SidecarContext {
  /** Base URL of the HTTP port (if served). */
  url: string | null;
  stop(): Promise<void>;
}

export function storeFromSettings(s: SidecarSettings): StateStore {
  const opts = {
    slotOf,
    transientWindow: s.transientWindow,
    lineageTtlSec: s.lineageTtlSec,
    lineageActiveMs: s.lineageActiveMs,
    decisionLogSize: s.decisionLogSize,
  };
  return s.redisUrl ? new RedisStateStore({ url: s.redisUrl, prefix: s.redisPrefix, ...opts }) : new MemoryStateStore(opts);
}

export async function startSidecar(opts: SidecarOptions): Promise<RunningSidecar> {
  const s = opts.settings;
  const log = opts.log ?? logger('sidecar');
  const store = opts.store ?? storeFromSettings(s);
  const metrics = new IngestMetrics();
  const source: EventSource =
    opts.source ??
    (s.kafkaBrokers
      ? new KafkaEventSource({ brokers: s.kafkaBrokers, topic: s.eventsTopic, groupId: s.groupId, fromBeginning: s.fromBeginning, maxBatchEvents: s.maxBatch, sessionTimeoutMs: s.sessionTimeoutMs }, log, opts.onFatal)
      : new InProcessEventBus(s.maxBatch, (err) => log.error({ err: String(err) }, 'in-process batch failed; retrying')));
  const dlq = opts.dlq ?? (s.kafkaBrokers ? new KafkaDeadLetterSink(s.kafkaBrokers, s.dlqTopic) : new MemoryDeadLetterSink());
  const ow = openwhiskSettings.load();
  const actionSettings =
    opts.actionSettings ??
    new ActionSettingsSource(
      {
        apihost: ow.apihost,
        apiKey: ow.apiKey,
        ignoreCerts: ow.ignoreCerts,
        ttlMs: ow.annotationTtlSec * 1000,
        errorTtlMs: (ow.annotationTtlSec * 1000) / 5,
        defaults: { enabled: ow.defaultOptIn, policy: ow.defaultPolicy },
      },
      logger('openwhisk'),
    );
  const ingestor = new Ingestor(store, dlq, metrics, { sourceFilter: s.sourceFilter, lineageGraceMs: s.lineageGraceMs }, log);
  const ctx: SidecarContext = { store, source, ingestor, metrics, actionSettings, log };

  let app: FastifyInstance | null = null;
  let url: string | null = null;
  if (opts.http !== false) {
    app = buildHttp(metrics.registry, {
      checks: async () => ({ events: source.isConnected(), store: (await store.ping()) && ingestor.healthy }),
    });
    // The status page and its JSON API (src/status) on the same port: /status, /api/status[/<action>].
    await app.register(statusPlugin, { source: storeStatusSource(store) });
    if (opts.orchestrator?.routes) await opts.orchestrator.routes(app);
    const { host, port } = parseListen(s.listen);
    await app.listen({ host, port });
    const addr = app.server.address();
    url = addr && typeof addr === 'object' ? `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}` : null;
  }

  await source.start(async (events, keepAlive) => {
    try {
      await ingestor.ingestBatch(events, keepAlive);
    } catch (err) {
      if (err instanceof StoppedError) throw err;
      log.error({ err: String(err) }, 'batch failed; it will be redelivered');
      throw err;
    }
  });
  if (opts.orchestrator) await opts.orchestrator.start(ctx);
  log.info({ source: source.kind, store: store.constructor.name, url, sourceFilter: s.sourceFilter ?? null }, 'sidecar started');

  let stopping: Promise<void> | null = null;
  return {
    ...ctx,
    url,
    stop() {
      stopping ??= (async () => {
        if (opts.orchestrator) await opts.orchestrator.stop();
        ingestor.stop();
        await source.stop().catch((err) => log.warn({ err: String(err) }, 'stopping the event source failed'));
        await dlq.close().catch(() => undefined);
        if (app) await app.close();
        if (!opts.store) await store.close();
      })();
      return stopping;
    },
  };
}
