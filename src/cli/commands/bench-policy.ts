/**
 * `pronghorn bench-policy` (npm run bench:policy): the closing-note numbers of the policy work.
 * Improvement of artifact and pronghorn over fixed:1 for E in 1, 4, 20 on the synthetic curves
 * (ℓ(n) = base + amp·e^(−n/τ), τ ∈ {30, 300, 3000}, and a flat I/O-bound curve), 500 requests, median
 * over several seeds; and the simulator's speed in simulated requests per second (median of repeats,
 * per wall-clock and per CPU second).
 */
import { cpus, loadavg } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import Table from 'cli-table3';
import { syntheticCurves } from '../../sim/curve';
import { runExperiment, type ResultRow } from '../../sim/experiment';
import { simulate } from '../../sim/simulate';
import { createPolicy } from '../../policy/registry';
import { median } from '../../sim/metrics';

const POLICIES = ['artifact', 'pronghorn'];
const EVICTIONS = [1, 4, 20];

function int(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number >= 1');
  return n;
}

interface Cell {
  curve: string;
  policy: string;
  eviction: number;
  improvementPct: number;
  medianMs: number;
  convergenceRequests: number | null;
  snapshots: number;
  maxPool: number;
}

interface Speed {
  policy: string;
  eviction: number;
  /** Simulated requests per second of wall-clock time and per second of this process's CPU time. */
  wallRequestsPerSecond: number;
  cpuRequestsPerSecond: number;
}

/**
 * Simulated requests per second for one policy and eviction on the τ = 300 curve: runs of `requests`
 * requests, repeated for about `minSeconds`, median of `repeats`. CPU time is reported too, because on a
 * shared machine the wall clock mostly measures the neighbours.
 */
function speed(policy: string, eviction: number, requests: number, repeats: number, minSeconds = 0.2): Speed {
  const curve = syntheticCurves()[1];
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    let served = 0;
    let runs = 0;
    while (runs < 1 || Number(process.hrtime.bigint() - t0) / 1e9 < minSeconds) {
      served += simulate(curve, createPolicy(policy), { eviction, requests, seed: ++runs }).latencies.length;
    }
    const u = process.cpuUsage(c0);
    wall.push(served / (Number(process.hrtime.bigint() - t0) / 1e9));
    cpu.push(served / ((u.user + u.system) / 1e6));
  }
  return { policy, eviction, wallRequestsPerSecond: median(wall), cpuRequestsPerSecond: median(cpu) };
}

export function register(program: Command): void {
  program
    .command('bench-policy')
    .description('closing-note numbers: artifact and pronghorn vs fixed:1 on synthetic curves, and the simulator speed')
    .option('--seeds <n>', 'seeds per cell (the median is reported)', int, 5)
    .option('--requests <N>', 'requests per run', int, 500)
    .option('--repeats <n>', 'repeats of the speed measurement', int, 5)
    .option('--json', 'print one JSON document')
    .action((opts: { seeds: number; requests: number; repeats: number; json?: boolean }) => {
      const curves = syntheticCurves();
      const runs: ResultRow[][] = [];
      for (let seed = 1; seed <= opts.seeds; seed++) {
        runs.push(runExperiment({ curves, policies: POLICIES, evictions: EVICTIONS, requests: opts.requests, seed }));
      }
      const cells: Cell[] = runs[0].map((row, i) => {
        const all = runs.map((r) => r[i]);
        const conv = all.map((r) => r.convergenceRequests).filter((c): c is number => c !== null);
        return {
          curve: row.curve,
          policy: row.policy,
          eviction: row.eviction,
          improvementPct: median(all.map((r) => r.improvementPct)),
          medianMs: median(all.map((r) => r.medianMs)),
          convergenceRequests: conv.length * 2 > all.length ? median(conv) : null,
          snapshots: median(all.map((r) => r.snapshots)),
          maxPool: Math.max(...all.map((r) => r.maxPool)),
        };
      });
      // The paper's headline statistic: geometric mean of the improvements above 5 %, per policy and E.
      const geomean = POLICIES.flatMap((policy) =>
        EVICTIONS.map((eviction) => {
          const imp = cells.filter((c) => c.policy === policy && c.eviction === eviction && c.improvementPct > 5).map((c) => c.improvementPct);
          const g = imp.length ? Math.exp(imp.reduce((a, x) => a + Math.log(x), 0) / imp.length) : null;
          return { policy, eviction, improvedCurves: imp.length, geomeanImprovementPct: g };
        }),
      );
      const speeds = ['fixed:1', 'artifact', 'pronghorn'].flatMap((policy) => EVICTIONS.map((e) => speed(policy, e, opts.requests, opts.repeats)));
      const loadAverage = loadavg()[0];
      if (opts.json) {
        process.stdout.write(JSON.stringify({ seeds: opts.seeds, requests: opts.requests, cells, geomean, speed: speeds, loadAverage, cpus: cpus().length }) + '\n');
        return;
      }
      const t = new Table({ head: ['curve', 'E', ...POLICIES.map((p) => `${p} vs fixed:1`), ...POLICIES.map((p) => `${p} converged`)], style: { head: [], border: [] } });
      for (const c of cells.filter((x) => x.policy === POLICIES[0])) {
        const of = (p: string): Cell => cells.find((x) => x.curve === c.curve && x.eviction === c.eviction && x.policy === p)!;
        t.push([c.curve, c.eviction, ...POLICIES.map((p) => `${of(p).improvementPct.toFixed(1)} %`), ...POLICIES.map((p) => of(p).convergenceRequests ?? '–')]);
      }
      process.stdout.write(`Median over ${opts.seeds} seeds, ${opts.requests} requests per run.\n${t.toString()}\n`);
      for (const g of geomean) {
        process.stdout.write(`${g.policy} E=${g.eviction}: geometric mean over ${g.improvedCurves} improved curves: ${g.geomeanImprovementPct === null ? '–' : g.geomeanImprovementPct.toFixed(1) + ' %'}\n`);
      }
      const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');
      process.stdout.write(`simulator speed (simulated requests/s, median of ${opts.repeats}; load average ${loadAverage.toFixed(1)} on ${cpus().length} CPUs):\n`);
      for (const s of speeds) process.stdout.write(`  ${s.policy.padEnd(10)} E=${String(s.eviction).padEnd(3)} ${fmt(s.wallRequestsPerSecond).padStart(10)} per wall second, ${fmt(s.cpuRequestsPerSecond).padStart(10)} per CPU second\n`);
    });
}
