/**
 * `pronghorn bench`: the paper's evaluation on Node.js. Each action × policy × eviction cell gets N
 * sequential requests through the local invoker, real Kafka, the real sidecar ingest into real Redis,
 * the orchestrator and the criu agent; then a report directory (results.json, report.md, SVG figures).
 */
import path from 'node:path';
import { Command, Option } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { parseEviction } from '../../bench/eviction';
import { jsonCells } from '../../bench/results';
import { writeReport } from '../../bench/report';
import { benchSettings } from '../../bench/settings';
import { logger } from '../../log/logger';
import { handleStopSignals, signalExitCode } from '../stop-signals';

interface BenchFlags {
  actions?: string;
  policies?: string;
  evictions?: string;
  requests?: string;
  seed?: string;
  out?: string;
  quick?: boolean;
  json?: boolean;
  standbys?: string;
  kafkaBrokers?: string;
  progress: boolean;
  settle: boolean;
}

export function register(program: Command): void {
  program
    .command('bench')
    .description(
      'Run the benchmark: actions × policies (cold, fixed:1, artifact, pronghorn) × evictions (E=1,4,20), N sequential requests each, ' +
        'through real Kafka, Redis and CRIU; writes results.json, report.md and SVG plots',
    )
    .option('--actions <list>', 'comma-separated actions (directories of actions/)')
    .option('--policies <list>', 'comma-separated policies; improvement is reported over fixed:1')
    .option('--evictions <list>', 'comma-separated eviction models: E=N (after N requests) or idle=10s')
    .option('--requests <n>', 'sequential requests per cell (default 500; 60 with --quick)')
    .option('--seed <n>', 'seed of the inputs and the policies')
    .option('--out <dir>', 'report directory (default bench/reports/<UTC timestamp>)')
    .option('--quick', 'a short run: one action (hash unless --actions), 60 requests per cell')
    .option('--standbys <n>', 'hot stand-by workers per cell (PRONGHORN_STANDBYS)')
    .option('--kafka-brokers <list>', 'use these Kafka brokers instead of starting one')
    .option('--json', 'print {"cells": [...]} on stdout (logs stay on stderr)')
    .addOption(new Option('--no-progress', 'no progress bar on stderr'))
    .addOption(new Option('--no-settle', 'do not wait for stand-bys and the agent\'s background work to finish before each timed request (they then compete with requests)'))
    .addHelpText(
      'after',
      '\nExamples:\n  pronghorn bench --quick\n  pronghorn bench --actions hash,word-count --evictions E=1 --requests 200 --out /tmp/r\n\n' +
        'Needs root, CRIU (scripts/install-criu.sh), Java for the Kafka broker and Redis (started when absent).',
    )
    .action(async (flags: BenchFlags) => {
      const log = logger('bench');
      const s = benchSettings.load({
        actions: flags.actions ?? (flags.quick ? 'hash' : undefined),
        policies: flags.policies,
        evictions: flags.evictions,
        requests: flags.requests ?? (flags.quick ? '60' : undefined),
        seed: flags.seed,
        out: flags.out,
        kafkaBrokers: flags.kafkaBrokers,
      });
      const evictions = s.evictions.map(parseEviction);
      const out = path.resolve(s.out ?? path.join('bench', 'reports', new Date().toISOString().replace(/[:.]/g, '-')));
      const { openBenchEnvironment } = await import('../../bench/environment');
      const env = await openBenchEnvironment({ kafkaBrokers: s.kafkaBrokers, log, seed: s.seed, actions: s.actions });
      const bar = flags.progress && process.stderr.isTTY ? new SingleBar({ format: 'bench [{bar}] {percentage}% {value}/{total} requests | {label} | ETA {eta_formatted}', stream: process.stderr }, Presets.shades_classic) : null;
      let lastLogged = 0;
      // Ctrl-C or SIGTERM: stop the workers, the agent, the broker the run started and the run's Redis
      // keys, then exit; the partial report written after each finished action stays. A second signal
      // exits at once.
      let stopping: Promise<never> | null = null;
      const signals = handleStopSignals((signal) => {
        bar?.stop();
        log.warn({ signal, out }, 'stopping the bench: workers, agent, Kafka broker and Redis keys of this run; the partial report stays');
        // The run fails while its services go away; the command then waits here instead of reporting that.
        stopping = env.close().then(() => process.exit(signalExitCode(signal)));
      });
      try {
        const { runBench } = await import('../../bench/runner');
        const { orchestratorSettings } = await import('../../sidecar/orchestration/settings');
        const { standbys, prefaultStandbys } = orchestratorSettings.load({ standbys: flags.standbys });
        const results = await runBench(
          env,
          {
            actions: s.actions,
            policies: s.policies,
            evictions,
            requests: s.requests,
            seed: s.seed,
            standbys,
            prefaultStandbys,
            quick: Boolean(flags.quick),
            namespace: env.namespace,
            ingestWaitMs: s.ingestWaitMs,
            settle: flags.settle,
            onPartial: async (partial) => {
              await writeReport(out, partial);
            },
            onProgress: (done, total, label) => {
              if (bar) {
                if (done === 1) bar.start(total, 0, { label });
                bar.update(done, { label });
              } else if (done - lastLogged >= Math.max(1, Math.floor(total / 20)) || done === total) {
                lastLogged = done;
                log.info({ done, total, cell: label }, 'bench progress');
              }
            },
          },
          log,
        );
        bar?.stop();
        const written = await writeReport(out, results);
        log.info({ out, files: written.length }, 'bench report written');
        if (flags.json) process.stdout.write(`${JSON.stringify(jsonCells(results.summary))}\n`);
        else process.stdout.write(`report: ${path.join(out, 'report.md')}\n`);
      } finally {
        bar?.stop();
        if (stopping) await stopping;
        await env.close();
        signals.dispose();
      }
    });
}
