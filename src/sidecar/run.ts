/**
 * Runs the standalone sidecar process until SIGINT/SIGTERM. Used by `pronghorn sidecar`, and runnable
 * on its own (`node dist/sidecar/run.js`, settings from the environment) as a lean container entry
 * point that does not load the other commands' modules.
 */
import { sidecarSettings, type SidecarSettings } from './settings';
import { startSidecar } from './main';
import { logger } from '../log/logger';
import { retiredSettingsIn } from '../config/settings';
import { agentSettings } from '../agent/settings';
import { orchestratorSettings } from './orchestration/settings';
import { orchestratorHookFromSettings } from './orchestration/hook';
import { missingSidecarNodeOptions } from './node-options';

export async function runSidecarProcess(settings: SidecarSettings, orchestration = orchestratorSettings.load()): Promise<void> {
  const log = logger('sidecar');
  for (const r of retiredSettingsIn()) log.warn({ setting: r.env, why: r.why }, 'this setting is no longer used and is ignored');
  const missing = missingSidecarNodeOptions(process.execArgv, process.env.NODE_OPTIONS);
  if (missing.length > 0) {
    log.warn({ missing, set: `NODE_OPTIONS=${missing.join(' ')}` }, 'started without the recommended Node.js options: ingest is slower and uses more memory (docs/configuration.md)');
  }
  // With an agent configured, the orchestration loop runs in this process (src/sidecar/orchestration).
  const orchestrator = orchestratorHookFromSettings(orchestration, orchestration.agentUrl ? agentSettings.load().token : undefined);
  if (!settings.kafkaBrokers || !settings.redisUrl) {
    throw new Error('the standalone sidecar needs Kafka and Redis: set --brokers/PRONGHORN_KAFKA_BROKERS and --redis/PRONGHORN_REDIS_URL (the embedded mode runs without them)');
  }
  const sidecar = await startSidecar({
    settings,
    log,
    orchestrator,
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
}

if (require.main === module) {
  runSidecarProcess(sidecarSettings.load()).catch((err) => {
    process.stderr.write(`pronghorn sidecar: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
