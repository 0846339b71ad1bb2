/** `pronghorn bench-curves`: warm-up curves of the benchmark actions (npm run bench:curves). */
import fs from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import Table from 'cli-table3';
import { defaultActions, readOutcomes, recordCurves, remeasureRestores, replot, ActionOutcome } from '../../bench/curves/run';
import { criuRestore, documentedRestore, RestoreMeasurer } from '../../bench/curves/restore';
import { ACTION_NAMES } from '../../bench/inputs';
import { fromRepo, infraSettings } from '../../infra/settings';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function actionList(value: string): string[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !ACTION_NAMES.includes(n));
  if (names.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(`unknown action(s) ${unknown.join(', ') || '(none given)'}; known: ${ACTION_NAMES.join(', ')}`);
  }
  return names;
}

const fmt = (v: number | null): string => (v === null || !Number.isFinite(v) ? '–' : v.toFixed(2));

export function outcomeTable(outcomes: ActionOutcome[]): string {
  const table = new Table({
    head: ['action', 'cold 1st req ms', 'median 1-10', 'median 100-200', 'median 1900-2000', 'speed-up 1-10 → 1900-2000', 'cold start ms', 'restore ms'],
    style: { head: [], border: [] },
  });
  for (const o of outcomes) {
    const s = o.summary;
    const speedup = s.median1900to2000 ? `${(s.median1to10 / s.median1900to2000).toFixed(2)}x` : '–';
    const restore = `${fmt(o.restore.restoreMs)}${o.restore.source === 'criu' ? '' : ' (doc)'}`;
    table.push([s.action, fmt(s.coldFirstMs), fmt(s.median1to10), fmt(s.median100to200), fmt(s.median1900to2000), speedup, fmt(o.coldStartMs), restore]);
  }
  return table.toString();
}

function printOutcomes(outcomes: ActionOutcome[], opts: { json?: boolean; seed: number }): void {
  if (opts.json) {
    const actions = outcomes.map((o) => ({ ...o.summary, coldStartMs: o.coldStartMs, noise: o.noise, restore: o.restore, files: o.files }));
    process.stdout.write(JSON.stringify({ seed: opts.seed, actions }) + '\n');
    return;
  }
  process.stdout.write(outcomeTable(outcomes) + '\n');
  process.stdout.write('latencies: execution time of main() measured by the runtime; cold 1st req = request 1 of a fresh worker.\n');
}

export function register(program: Command): void {
  program
    .command('bench-curves')
    .description(
      'record warm-up curves: each benchmark action N times in one long-lived runtime worker; writes simulator ' +
        'curve files <out>/<action>.json, raw measurements <out>/raw/<action>.json and plots <out>/svg/<action>.svg',
    )
    .option('--actions <list>', `comma-separated actions (default: all 13: ${ACTION_NAMES.join(',')})`, actionList)
    .option('--requests <n>', 'requests per action, in one worker', positiveInt, 2000)
    .option('--seed <n>', 'seed of the input sequence', (v) => Number.parseInt(v, 10), 42)
    .option('--out <dir>', 'output directory', path.join(REPO_ROOT, 'bench', 'curves'))
    .option('--paper-sizes', "draw input sizes from the paper's ranges instead of the lighter benchmark ranges")
    .option('--restore <how>', 'restoreMs: "criu" (measure with the agent\'s criu backend; falls back to the documented value) or "documented"', 'criu')
    .option('--restore-warm <n>', 'requests served before the snapshot whose restores are timed', positiveInt, 100)
    .option('--summary', 'measure nothing: print the numbers of the curves already recorded in --out')
    .option('--replot', 'measure nothing: rebuild the curve files and SVG plots from the raw files in --out')
    .option('--restore-only', 'only measure restoreMs again and update the curve files already in --out')
    .option('--json', 'print one JSON document (the per-action numbers) instead of the table')
    .action(
      async (opts: {
        actions?: string[];
        requests: number;
        seed: number;
        out: string;
        paperSizes?: boolean;
        restore: string;
        restoreWarm: number;
        restoreOnly?: boolean;
        summary?: boolean;
        replot?: boolean;
        json?: boolean;
      }) => {
        if (!Number.isInteger(opts.seed)) throw new InvalidArgumentError('--seed must be an integer');
        const ranges = opts.paperSizes ? 'paper' : 'bench';
        if (opts.replot) {
          const files = await replot(path.resolve(opts.out), opts.actions ?? defaultActions());
          process.stdout.write(opts.json ? JSON.stringify({ files }) + '\n' : files.join('\n') + '\n');
          return;
        }
        if (opts.summary) {
          printOutcomes(readOutcomes(path.resolve(opts.out), opts.actions ?? defaultActions()), opts);
          return;
        }
        let restore: RestoreMeasurer;
        if (opts.restore === 'documented') restore = documentedRestore('chosen with --restore documented');
        else if (opts.restore === 'criu') {
          const criuBin = fromRepo(infraSettings.load().criuBin);
          restore = fs.existsSync(criuBin)
            ? criuRestore({ repoRoot: REPO_ROOT, criuBin, seed: opts.seed, ranges, warmRequests: opts.restoreWarm, restores: 5 })
            : documentedRestore(`no CRIU at ${criuBin} (scripts/install-criu.sh installs it)`);
        } else {
          process.stderr.write('--restore must be "criu" or "documented"\n');
          process.exitCode = 2;
          return;
        }
        if (opts.restoreOnly) {
          const rows = await remeasureRestores({ repoRoot: REPO_ROOT, actions: opts.actions ?? defaultActions(), seed: opts.seed, outDir: path.resolve(opts.out), ranges, restore });
          if (opts.json) process.stdout.write(JSON.stringify({ restores: rows }) + '\n');
          else for (const r of rows) process.stdout.write(`${r.action.padEnd(24)} restoreMs ${r.before.toFixed(1)} -> ${r.after.restoreMs.toFixed(1)} (${r.after.source})\n`);
          return;
        }
        const outcomes = await recordCurves({
          repoRoot: REPO_ROOT,
          actions: opts.actions ?? defaultActions(),
          requests: opts.requests,
          seed: opts.seed,
          outDir: path.resolve(opts.out),
          ranges,
          restore,
        });
        printOutcomes(outcomes, opts);
      },
    );
}
