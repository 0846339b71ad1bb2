/** `pronghorn bench-snapshot` (npm run bench:snapshot): dump/restore times, image size, first requests, transient. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import Table from 'cli-table3';
import { runSnapshotBench } from '../../agent/bench-snapshot';
import { logger } from '../../log/logger';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

interface Flags {
  json?: boolean;
  requests: number;
  dumps: number;
  restores: number;
  colds: number;
  transientRequests: number;
  window: number;
  factor: number;
  criu?: string;
  nodeOptions?: string;
  gcBeforeDump?: boolean;
  prefault?: boolean;
  prewarm: boolean;
  dataDir?: string;
}

export function register(program: Command): void {
  program
    .command('bench-snapshot')
    .description('CRIU snapshot figures of a Node.js action worker: dump and restore time (p50, p90), image size, first request restored vs cold, post-restore transient')
    .option('--json', 'print one JSON document')
    .option('--requests <n>', 'requests the worker serves before it is snapshotted', positiveInt, 1000)
    .option('--dumps <n>', 'dumps to time', positiveInt, 9)
    .option('--restores <n>', 'restores to time (one at a time)', positiveInt, 9)
    .option('--colds <n>', 'cold workers whose first request is timed', positiveInt, 5)
    .option('--transient-requests <n>', 'requests served by each restored worker to find the transient', positiveInt, 300)
    .option('--window <n>', 'transient: window of requests whose median must be back near warm', positiveInt, 20)
    .option('--factor <x>', 'transient: "near warm" means <= factor x the warm median', positiveNumber, 1.25)
    .option('--criu <path>', 'CRIU binary (default PRONGHORN_CRIU_BIN)')
    .option('--node-options <opts>', 'NODE_OPTIONS of the runtime processes, e.g. --max-semi-space-size=1 (default PRONGHORN_AGENT_RUNTIME_NODE_OPTIONS)')
    .option('--gc-before-dump', 'a full GC in the runtime right before each dump')
    .option('--prefault', 'restored runtimes walk their heap before they are ready, as stand-bys do (PRONGHORN_PREFAULT_STANDBYS)')
    .option('--no-prewarm', 'no pre-started `criu restore` in stand-by workers (CRIU starts on the restore path)')
    .option('--data-dir <dir>', 'parent of the bench\'s data directory (images); e.g. /dev/shm for tmpfs (default: the system temp dir)')
    .addHelpText('after', '\nNeeds root and CRIU 4.2 (scripts/install-criu.sh). Targets: restore p50 <= 100 ms, dump p50 <= 150 ms,\nrestored first request <= 25% of a cold one. The machine\'s load average is reported with the figures.')
    .action(async (flags: Flags) => {
      const dataDir = fs.mkdtempSync(path.join(flags.dataDir ?? os.tmpdir(), 'pronghorn-bench-snapshot-'));
      try {
        const r = await runSnapshotBench({
          dataDir, criuBin: flags.criu, runtimeNodeOptions: flags.nodeOptions, gcBeforeDump: flags.gcBeforeDump, prefault: flags.prefault, prewarm: flags.prewarm, requests: flags.requests, dumps: flags.dumps, restores: flags.restores, colds: flags.colds,
          transientRequests: flags.transientRequests, window: flags.window, factor: flags.factor, log: logger('bench-snapshot'),
          progress: (m) => process.stderr.write(`bench-snapshot: ${m}\n`),
        });
        if (flags.json) {
          process.stdout.write(JSON.stringify(r) + '\n');
          return;
        }
        const t = new Table({ head: ['figure', 'value', 'target'], style: { head: [], border: [] } });
        const ok = (b: boolean): string => (b ? 'met' : 'missed');
        t.push(
          ['dump ms p50 / p90', `${r.dumpMsP50} / ${r.dumpMsP90}`, `p50 <= 150: ${ok(r.details.targets.dumpP50le150)}`],
          ['restore ms p50 / p90', `${r.restoreMsP50} / ${r.restoreMsP90}`, `p50 <= 100: ${ok(r.details.targets.restoreP50le100)}`],
          ['image MB', r.imageMB, ''],
          ['first request ms: cold / restored', `${r.coldFirstRequestMs} / ${r.restoredFirstRequestMs}`, `restored <= 25% cold: ${ok(r.details.targets.restoredFirstLe25PctCold)}`],
          ['first request exec ms: cold / restored', `${r.details.coldFirstExecMs} / ${r.details.restoredFirstExecMs}`, ''],
          ['warm exec ms / round trip ms', `${r.details.warmExecMs} / ${r.details.warmRoundTripMs}`, ''],
          ['transient (requests)', r.transientRequests, ''],
          ['load average (1, 5, 15 min)', `${r.details.loadAverage.join(', ')} on ${r.details.cpus} CPUs`, ''],
        );
        process.stdout.write(`${t.toString()}\ntransient: ${r.details.transientMethod}\n`);
      } finally {
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    });
}
