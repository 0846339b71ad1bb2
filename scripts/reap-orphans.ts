/** Stops Kafka brokers and redis-servers left behind by test runs that were killed (see src/infra/processes.ts). */
import { reapOrphans } from '../src/infra/processes';
import { runDir } from '../src/infra/paths';

reapOrphans(runDir()).then(
  (reaped) => reaped.forEach((what) => process.stdout.write(`stopped leftover ${what}\n`)),
  (err: Error) => process.stderr.write(`reap-orphans: ${err.message}\n`),
);
