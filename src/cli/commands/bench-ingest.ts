/** `pronghorn bench-ingest` (npm run bench:ingest): sidecar ingest throughput, memory, and crash safety. */
import os from 'node:os';
import { Command } from 'commander';
import { runBenchIngest, type BenchIngestResult } from '../../sidecar/bench-ingest';
import { logger } from '../../log/logger';
import { SIDECAR_NODE_OPTIONS } from '../../sidecar/node-options';
import { handleStopSignals, signalExitCode } from '../stop-signals';

interface Flags {
  events: string;
  actions: string;
  repeats: string;
  restarts: string;
  timeout: string;
  brokers?: string;
  redis?: string;
  sidecarNodeArg: string[];
  json?: boolean;
}

function table(r: BenchIngestResult): string {
  const rows: [string, string, string][] = [
    ['events produced', String(r.events), ''],
    ['sidecar events/s (median)', String(r.sidecarEventsPerSec), `target ≥ ${r.targets.eventsPerSec} ${r.sidecarEventsPerSec >= r.targets.eventsPerSec ? 'met' : 'MISSED'}`],
    ['bare kafkajs events/s (median)', String(r.bareEventsPerSec), ''],
    ['ratio sidecar/bare', r.ratio.toFixed(3), `target ≥ ${r.targets.ratio} ${r.ratio >= r.targets.ratio ? 'met' : 'MISSED'}`],
    ['reference: parse + validate only, no store (events/s)', String(r.validatingEventsPerSec), `${r.validatingRatio.toFixed(3)} of bare: the most any consumer of these JSON events reaches`],
    ['sidecar peak RSS (MB)', r.peakRssMB.toFixed(1), `target < ${r.targets.peakRssMB} ${r.peakRssMB < r.targets.peakRssMB ? 'met' : 'MISSED'}`],
    ['sidecar CPU µs/event (median)', r.sidecarCpuUsPerEvent.toFixed(1), `load average ${r.loadAverage} on ${os.cpus().length} cores`],
    ['sidecar / Redis busy while ingesting (% of a core)', `${r.sidecarBusyPct} / ${r.redisBusyPct}`, 'near 100: that one is the bottleneck'],
    ['SIGKILL restarts mid-stream', String(r.restarts), ''],
    ['lost after restarts', String(r.lost), r.lost === 0 ? 'ok' : 'FAILED'],
    ['counted twice after restarts', String(r.countedTwice), r.countedTwice === 0 ? 'ok' : 'FAILED'],
  ];
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const w1 = Math.max(...rows.map((x) => x[1].length));
  const runs = `runs: sidecar ${r.runs.sidecarEventsPerSec.join(', ')} ev/s; bare ${r.runs.bareEventsPerSec.join(', ')} ev/s; validating ${r.runs.validatingEventsPerSec.join(', ')} ev/s; peak RSS ${r.runs.peakRssMB.join(', ')} MB`;
  const options = `sidecar node options: ${r.sidecarNodeOptions.join(' ') || '(none)'}`;
  return rows.map(([a, b, c]) => `${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`).join('\n') + `\n${runs}\n${options}\n`;
}

export function register(program: Command): void {
  program
    .command('bench-ingest')
    .description(
      'measure the sidecar: events/s from a real Kafka broker into real Redis (sidecar as a child process) next to a bare ' +
        'kafkajs consumer of the same messages and a reference consumer that only parses and validates them (medians of --repeats runs), its peak RSS, and a run with SIGKILL restarts ' +
        'mid-stream that checks nothing is lost or counted twice. Starts its own broker and finds or starts Redis unless given.',
    )
    .option('--events <n>', 'activation events to produce', '100000')
    .option('--actions <n>', 'distinct actions in the stream', '20')
    .option('--repeats <n>', 'throughput runs (medians are reported)', '3')
    .option('--restarts <n>', 'SIGKILL restarts in the crash run', '3')
    .option('--timeout <s>', 'give up on a consumer after this many seconds', '300')
    .option('--brokers <list>', 'use these Kafka brokers instead of starting one')
    .option('--redis <url>', 'use this Redis (default: REDIS_URL, 127.0.0.1:6379, or a redis-server of its own)')
    .option(
      '--sidecar-node-arg <arg>',
      `pass this option to the sidecar child's node after the deployed ones (${SIDECAR_NODE_OPTIONS.join(' ')}), which it may override (repeatable; e.g. --cpu-prof)`,
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option('--json', 'print one JSON document')
    .action(async (f: Flags) => {
      const int = (v: string, name: string) => {
        const n = Number(v);
        if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${v}`);
        return n;
      };
      const log = logger('bench-ingest');
      // Ctrl-C or SIGTERM, or a reader of the output that went away (`| head`): kill the consumers,
      // remove the run's Redis keys and stop the broker it started, then exit. A second signal exits at once.
      const stop = new AbortController();
      const signals = handleStopSignals((signal) => {
        log.warn({ signal }, 'stopping bench-ingest: its consumers, its Redis keys and the Kafka broker it started');
        stop.abort();
      });
      const onOutputError = (err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE') stop.abort();
      };
      process.stdout.on('error', onOutputError);
      process.stderr.on('error', onOutputError);
      let result: BenchIngestResult;
      try {
        result = await runBenchIngest(
          {
            events: int(f.events, 'events'),
            actions: int(f.actions, 'actions'),
            workerRequests: 50,
            repeats: int(f.repeats, 'repeats'),
            restarts: Number(f.restarts),
            timeoutMs: int(f.timeout, 'timeout') * 1000,
            brokers: f.brokers?.split(',').map((b) => b.trim()),
            redisUrl: f.redis,
            sidecarNodeArgs: f.sidecarNodeArg,
            onProgress: (msg) => process.stderr.write(`bench-ingest: ${msg}\n`),
            signal: stop.signal,
          },
          log,
        );
      } catch (err) {
        if (!stop.signal.aborted) throw err;
        process.exitCode = signals.received ? signalExitCode(signals.received) : 1;
        return;
      } finally {
        signals.dispose();
      }
      process.stdout.write(f.json ? JSON.stringify(result) + '\n' : table(result));
      const ok = result.lost === 0 && result.countedTwice === 0;
      if (!ok) process.exitCode = 1;
    });
}
