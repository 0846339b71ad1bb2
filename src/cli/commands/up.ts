/**
 * `pronghorn up` (what `npm start` runs): the embedded mode. One process, no infrastructure: in-memory
 * store, in-process events, the criu agent, the orchestrator, a few actions under load, live progress
 * on stderr and the status page on localhost. Ctrl-C stops everything and leaves no process behind.
 */
import { Command } from 'commander';
import { startEmbedded } from '../../embedded/embedded';
import { embeddedSettings } from '../../embedded/settings';
import { logger } from '../../log/logger';

interface UpFlags {
  actions?: string;
  policy?: string;
  eviction?: string;
  gap?: string;
  listen?: string;
  requests?: string;
  json?: boolean;
  live: boolean;
}

export function register(program: Command): void {
  program
    .command('up')
    .description(
      'run Pronghorn embedded in one process (no Kafka or Redis needed): the criu agent, the sidecar\'s orchestrator and a local invoker ' +
        'putting a few actions under load; live progress on stderr, status page on localhost; Ctrl-C stops everything',
    )
    .option('--actions <list>', 'comma-separated actions of actions/ (env PRONGHORN_UP_ACTIONS)')
    .option('--policy <spec>', 'checkpoint policy (env PRONGHORN_UP_POLICY, default pronghorn)')
    .option('--eviction <model>', 'E=N or idle=10s (env PRONGHORN_UP_EVICTION, default E=4)')
    .option('--gap <ms>', 'pause between requests (env PRONGHORN_UP_GAP_MS, default 100)')
    .option('--listen <host:port>', 'status page address (env PRONGHORN_UP_LISTEN, default 127.0.0.1:8096)')
    .option('--requests <n>', 'stop by itself after n requests (default: run until Ctrl-C)')
    .option('--json', 'when it stops, print one JSON document: {url, criu, policy, requests}')
    .option('--no-live', 'no live table on stderr')
    .addHelpText('after', '\nUses Redis and Kafka instead of the in-process parts when PRONGHORN_UP_REDIS_URL / PRONGHORN_UP_KAFKA_BROKERS are set.')
    .action(async (flags: UpFlags) => {
      const log = logger('embedded');
      const s = embeddedSettings.load({ actions: flags.actions, policy: flags.policy, eviction: flags.eviction, gapMs: flags.gap, listen: flags.listen });
      const maxRequests = flags.requests === undefined ? undefined : Number(flags.requests);
      if (maxRequests !== undefined && !(Number.isInteger(maxRequests) && maxRequests > 0)) {
        process.stderr.write(`pronghorn up: --requests must be a positive integer, got ${flags.requests}\n`);
        process.exitCode = 2;
        return;
      }
      const prefix = `pronghorn-up-${process.pid}-${Date.now().toString(36)}`;
      const emb = await startEmbedded({
        actions: s.actions,
        policy: s.policy,
        eviction: s.eviction,
        gapMs: s.gapMs,
        listen: s.listen,
        seed: s.seed,
        store: s.redisUrl ? { kind: 'redis', url: s.redisUrl, prefix: `${prefix}:` } : { kind: 'memory' },
        events: s.kafkaBrokers ? { kind: 'kafka', brokers: s.kafkaBrokers, topic: `${prefix}.events`, groupId: `${prefix}-sidecar` } : { kind: 'inprocess' },
        maxRequests,
        live: flags.live ? process.stderr : null,
        log,
      });
      process.stderr.write(
        `pronghorn up: ${emb.criu ? 'CRIU works here' : 'CRIU cannot run here: cold baseline only'}; policy ${emb.policy}; actions ${s.actions.join(', ')}\n` +
          `status page: ${emb.url}   (Ctrl-C stops everything)\n`,
      );
      let signalled = false;
      const onSignal = () => {
        if (signalled) return;
        signalled = true;
        process.stderr.write('\nstopping: load, workers, agent, status page ...\n');
        void emb.stop();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        await emb.done;
        await emb.stop();
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      if (flags.json) process.stdout.write(`${JSON.stringify({ url: emb.url, criu: emb.criu, policy: emb.policy, requests: emb.requestsServed() })}\n`);
      else process.stderr.write(`stopped after ${emb.requestsServed()} requests; no worker left running\n`);
    });
}
