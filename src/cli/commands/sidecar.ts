/** `pronghorn sidecar`: consume OpenWhisk events into per-action state (Kafka -> Redis), serve metrics. */
import { Command } from 'commander';
import { sidecarSettings } from '../../sidecar/settings';
import { runSidecarProcess } from '../../sidecar/run';
import { orchestratorSettings } from '../../sidecar/orchestration/settings';

interface Flags {
  brokers?: string;
  topic?: string;
  group?: string;
  source?: string;
  dlqTopic?: string;
  redis?: string;
  prefix?: string;
  listen?: string;
  agent?: string;
}

export function register(program: Command): void {
  program
    .command('sidecar')
    .description(
      'run the sidecar: consume OpenWhisk EventMessages from Kafka in its own consumer group, join them with ' +
        'lineage and update per-action statistics in Redis (at-least-once, idempotent); serves /metrics, /healthz, /readyz. ' +
        'With --agent it also runs the orchestration loop against that agent and serves the orchestration API (docs/decision-api.md). ' +
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
    .option('--agent <url>', 'node agent to orchestrate, http://host:port or unix:/path (PRONGHORN_AGENT_URL; token PRONGHORN_AGENT_TOKEN); unset: learn only')
    .action(async (f: Flags) => {
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
      await runSidecarProcess(settings, orchestratorSettings.load({ agentUrl: f.agent }));
    });
}
