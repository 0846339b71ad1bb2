/**
 * `pronghorn up`: the embedded default mode (what `npm start` runs). Until that mode lands, it says what it
 * will do, so the README's first line works and tells the truth.
 */
import { Command } from 'commander';

const PLAN = [
  'run everything in one process, with no infrastructure to set up: an in-memory store and an in-process event bus',
  'start the CRIU agent backend and the local invoker (the harness that plays OpenWhisk\'s invoker here)',
  'deploy the actions in actions/ and drive activations through them, evicting workers as OpenWhisk would',
  'learn each action\'s warm-up curve, snapshot workers at the chosen request numbers, and start new workers hot from the best snapshot',
  'serve a status page comparing Pronghorn with cold starts and plain warm reuse',
  'use Redis and Kafka instead of the in-memory parts when REDIS_URL / Kafka brokers are configured',
];

export function register(program: Command): void {
  program
    .command('up')
    .description('run Pronghorn in embedded mode (one process, no infrastructure); not implemented yet: prints what it will do')
    .option('--json', 'print one JSON document')
    .action((opts: { json?: boolean }) => {
      if (opts.json) {
        process.stdout.write(JSON.stringify({ implemented: false, plan: PLAN }) + '\n');
        return;
      }
      process.stdout.write('pronghorn up: the embedded mode is not implemented yet. When it is, it will:\n');
      for (const step of PLAN) process.stdout.write(`  - ${step}\n`);
    });
}
