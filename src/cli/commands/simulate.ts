/** `pronghorn simulate`: policies against latency curves, no processes (src/sim). */
import { Command, InvalidArgumentError } from 'commander';
import Table from 'cli-table3';
import { loadCurve, syntheticCurves, type Curve } from '../../sim/curve';
import { runExperiment } from '../../sim/experiment';
import { defaultConvergence } from '../../sim/metrics';
import { POLICY_NAMES } from '../../policy/registry';

const collect = (v: string, acc: string[] = []): string[] => [...acc, v];

function positiveInt(name: string) {
  return (v: string, acc?: number[] | number): number[] | number => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number >= 1`);
    return Array.isArray(acc) || acc === undefined ? [...(acc ?? []), n] : n;
  };
}

export function register(program: Command): void {
  program
    .command('simulate')
    .description('simulate checkpoint policies against latency curves (no processes) and compare them with fixed:1')
    .option('--curve <file>', 'curve JSON {name, coldStartMs, restoreMs, latencyMs[], noise?, stateSpread?, rootSpread?} (repeatable; default: the built-in synthetic curves)', collect)
    .option('--policy <spec>', `policy (repeatable): ${POLICY_NAMES.join(', ')}; parameters as pronghorn?capacity=6 (default: fixed:1, artifact, pronghorn)`, collect)
    .option('--eviction <E>', 'worker lifetime in requests (repeatable; default: 1, 4, 20)', positiveInt('--eviction'))
    .option('--requests <N>', 'requests per run', positiveInt('--requests'), 500)
    .option('--seed <S>', 'random seed', (v) => {
      const n = Number(v);
      if (!Number.isSafeInteger(n)) throw new InvalidArgumentError('--seed must be an integer');
      return n;
    }, 1)
    .option('--window-offset <N>', 'earliest window start for convergence (the paper uses 100 or 200)', (v) => {
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('--window-offset must be a whole number >= 0');
      return n;
    }, 0)
    .option('--json', 'print one JSON document {results: [...]}')
    .addHelpText(
      'after',
      '\nModel: a worker at request number n takes latencyMs[n-1] (the last value beyond the end) times noise; its first\n' +
        'request also pays coldStartMs (cold) or restoreMs (restored). With stateSpread s, each runtime state (a cold process,\n' +
        'each snapshot when dumped) runs at exp(s·N(0,1)) times the curve, inherited by workers restored from it. With\n' +
        'rootSpread r, each cold process also draws a lasting factor exp(r·N(0,1)) that every state descending from it keeps.\n' +
        'improvementPct = (median fixed:1 - median policy) / median fixed:1. convergenceRequests: first 20-request window\n' +
        '(from --window-offset) whose median is within ±2 % of the median of the last 20 % of the run.\n',
    )
    .action((opts: { curve?: string[]; policy?: string[]; eviction?: number[]; requests: number; seed: number; windowOffset: number; json?: boolean }, cmd: Command) => {
      let curves: Curve[];
      try {
        curves = opts.curve?.length ? opts.curve.map(loadCurve) : syntheticCurves();
        const results = runExperiment({
          curves,
          policies: opts.policy?.length ? opts.policy : ['fixed:1', 'artifact', 'pronghorn'],
          evictions: opts.eviction?.length ? opts.eviction : [1, 4, 20],
          requests: opts.requests,
          seed: opts.seed,
          convergence: { ...defaultConvergence, offset: opts.windowOffset },
        });
        if (opts.json) {
          process.stdout.write(JSON.stringify({ results }) + '\n');
          return;
        }
        const table = new Table({ head: ['curve', 'policy', 'E', 'median ms', 'p90 ms', 'p99 ms', 'vs fixed:1', 'converged', 'snapshots', 'max pool'], style: { head: [], border: [] } });
        for (const r of results) {
          table.push([r.curve, r.policy, r.eviction, r.medianMs.toFixed(2), r.p90Ms.toFixed(2), r.p99Ms.toFixed(2), `${r.improvementPct.toFixed(1)} %`, r.convergenceRequests ?? '–', r.snapshots, r.maxPool]);
        }
        process.stdout.write(table.toString() + '\n');
      } catch (err) {
        cmd.error(`pronghorn simulate: ${(err as Error).message}`, { exitCode: 2 });
      }
    });
}
