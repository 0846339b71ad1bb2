/** `pronghorn sidecar`: consume OpenWhisk events into per-action state (Kafka -> Redis), serve metrics. */
import { Command } from 'commander';
import { sidecarSettings } from '../../sidecar/settings';
import { startSidecar } from '../../sidecar/main';
import { logger } from '../../log/logger';

interface Flags {
  brokers?: string;
  topic?: string;
  group?: string;
  source?: string;
  dlqTopic?: string;
  redis?: string;
  prefix?: string;
  listen?: string;
}

export function register(program: Command): void {
  program
    .command('sidecar')
    .description(
      'run the sidecar: consume OpenWhisk EventMessages from Kafka in its own consumer group, join them with ' +
        'lineage and update per-action statistics in Redis (at-least-once, idempotent); serves /metrics, /healthz, /readyz. ' +
        'Every flag has an environment variable (see `pronghorn config`).',
    )
    .option('--brokers <list>', 'Kafka brokers host:port,... (PRONGHORN_KAFKA_BROKERS)')
    .option('--topic <name>', 'events topic (PRONGHORN_EVENTS_TOPIC, default events)')
    .option('--group <id>', 'consumer group (PRONGHORN_SIDECAR_GROUP, default pronghorn-sidecar)')
    .option('--source <name>', 'only events from this source, e.g. invoker0 (PRONGHORN_EVENTS_SOURCE)')
    .option('--dlq-topic <name>', 'dead-letter topic (PRONGHORN_DLQ_TOPIC, default pronghorn-dlq)')
    .option('--redis <url>', 'Redis URL (PRONGHORN_REDIS_URL)')
    .option('--prefix <prefix>', 'Redis key prefix (PRONGHORN_REDIS_PREFIX, default pronghorn:)')
    .option('--listen <addr>', 'HTTP PORT or HOST:PORT (PRONGHORN_SIDECAR_LISTEN, default 0.0.0.0:9464)')
    .action(async (f: Flags) => {
      const log = logger('sidecar');
      const settings = sidecarSettings.load({
        kafkaBrokers: f.brokers,
        eventsTopic: f.topic,
        groupId: f.group,
        sourceFilter: f.source,
        dlqTopic: f.dlqTopic,
        redisUrl: f.redis,
        redisPrefix: f.prefix,
        listen: f.listen,
      });
      if (!settings.kafkaBrokers || !settings.redisUrl) {
        throw new Error('the standalone sidecar needs Kafka and Redis: set --brokers/PRONGHORN_KAFKA_BROKERS and --redis/PRONGHORN_REDIS_URL (the embedded mode runs without them)');
      }
      const sidecar = await startSidecar({
        settings,
        log,
        onFatal: (err) => {
          log.fatal({ err: String(err) }, 'Kafka consumer stopped for good; exiting so that the supervisor restarts the sidecar');
          // Uncommitted events are redelivered to the next incarnation; nothing is lost.
          process.exit(1);
        },
      });
      await new Promise<void>((resolve) => {
        const onSignal = (sig: NodeJS.Signals) => {
          log.info({ signal: sig }, 'stopping');
          resolve();
        };
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
      });
      await sidecar.stop();
    });
}
