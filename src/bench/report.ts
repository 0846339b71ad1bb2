/**
 * Writes a bench report directory: results.json (everything, including every request), report.md (the
 * table and the closing numbers) and one SVG per action and figure, rendered with vega-lite in Node.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchResults, CellResult, CellSummary } from './results';

const fmt = (v: number | null | undefined, digits = 2) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));
const pct = (v: number | null) => (v === null ? '–' : `${v >= 0 ? '+' : ''}${v.toFixed(1)} %`);

export function safeFileName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_');
}

export function markdownReport(r: BenchResults): string {
  const lines: string[] = [];
  lines.push(`# Pronghorn bench report`, '');
  lines.push(
    `${r.startedAt} → ${r.finishedAt}; ${r.config.requests} sequential requests per cell, seed ${r.config.seed}` +
      `${r.config.quick ? ' (quick)' : ''}; events via ${r.config.eventsVia}; store ${r.config.store}; agent ${r.config.agentBackend};` +
      ` ${r.config.standbys} hot stand-by(s) per action${r.config.prefaultStandbys ? ' (heap prefaulted after restore)' : ''}; Node ${r.host.node}, ${r.host.cpus} CPUs.`,
    '',
  );
  lines.push(
    'End-to-end latency is what the client saw, including any wait for a new worker (cold start or restore);',
    'execution is the `/run` call alone. Improvement is over `fixed:1` (snapshot after the 1st request) for the',
    'same action and eviction: (median fixed:1 − median policy) / median fixed:1. Convergence: first start of a',
    '20-request window whose median is within ±5 % of the median of the last 20 % of the run.',
    '',
  );
  lines.push('## Closing numbers', '');
  // The geometric mean is taken at one E; the worst cell and the convergence span every E of the run.
  const multipleE = new Set(r.summary.map((s) => s.eviction)).size > 1;
  for (const p of r.headline.policies) {
    lines.push(
      `- **${p.policy}** at ${r.headline.eviction}: geometric-mean improvement over the actions that improve by more than 5 %: ` +
        `${p.geoMeanImprovingPct === null ? '–' : `${p.geoMeanImprovingPct.toFixed(1)} %`} (${p.improvingActions} of ${p.actionsAtE} actions); ` +
        `worst cell${multipleE ? ' at any E' : ''}: ${p.worst ? `${p.worst.action} ${p.worst.eviction} ${pct(p.worst.improvementPct)}` : '–'}; ` +
        `median convergence${multipleE ? ' over all its cells' : ''} ${p.medianConvergence === null ? '–' : `${p.medianConvergence} requests`}` +
        `${p.notConverged ? ` (${p.notConverged} cell(s) never converged, counted as their length)` : ''}.`,
    );
  }
  lines.push('');
  lines.push('## Improvement over fixed:1', '');
  const candidates = [...new Set(r.summary.map((s) => s.policy))].filter((p) => p !== 'fixed:1');
  const evictions = [...new Set(r.summary.map((s) => s.eviction))];
  lines.push(`| action | ${evictions.flatMap((e) => candidates.map((p) => `${p} ${e}`)).join(' | ')} |`);
  lines.push(`|---|${evictions.flatMap(() => candidates.map(() => '---:')).join('|')}|`);
  for (const action of [...new Set(r.summary.map((s) => s.action))]) {
    const row = evictions.flatMap((e) =>
      candidates.map((p) => pct(r.summary.find((s) => s.action === action && s.eviction === e && s.policy === p)?.improvementPct ?? null)),
    );
    lines.push(`| ${action} | ${row.join(' | ')} |`);
  }
  lines.push('');
  lines.push('## All cells', '');
  lines.push(
    '| action | eviction | policy | median e2e ms | p99 e2e ms | median exec ms | p99 exec ms | vs fixed:1 | convergence | snapshots (pruned) | cold / restores | dump ms | restore ms | disk MB | fallbacks | errors |',
  );
  lines.push('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of r.summary) lines.push(cellRow(s));
  lines.push('');
  lines.push('## Figures', '');
  for (const action of [...new Set(r.summary.map((s) => s.action))]) {
    lines.push(`- ${action}: [latency CDF](${figureName('cdf', action)}), [latency by request](${figureName('timeline', action)})`);
  }
  lines.push('');
  return lines.join('\n');
}

function cellRow(s: CellSummary): string {
  return `| ${s.action} | ${s.eviction} | ${s.policy} | ${fmt(s.medianMs)} | ${fmt(s.p99Ms)} | ${fmt(s.execMedianMs)} | ${fmt(s.execP99Ms)} | ${pct(s.improvementPct)} | ${s.convergenceRequests ?? '–'} | ${s.snapshots} (${s.pruned}) | ${s.coldStarts} / ${s.restores} | ${fmt(s.dumpMsMedian, 0)} | ${fmt(s.restoreMsMedian, 0)} | ${fmt(s.diskMB, 1)} | ${s.fallbacks} | ${s.errors} |`;
}

export function figureName(kind: 'cdf' | 'timeline', action: string): string {
  return `${kind}-${safeFileName(action)}.svg`;
}

/** Figure 4/5 style: CDF of end-to-end latency per policy, one column per eviction. */
export function cdfSpec(action: string, cells: readonly CellResult[]): object {
  const values: { policy: string; eviction: string; latencyMs: number; fraction: number }[] = [];
  for (const c of cells.filter((c) => c.action === action)) {
    const sorted = c.samples.map((s) => s.e2eMs).sort((a, b) => a - b);
    sorted.forEach((v, k) => values.push({ policy: c.policy, eviction: c.eviction, latencyMs: Math.max(v, 0.01), fraction: (k + 1) / sorted.length }));
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `${action}: end-to-end latency CDF`,
    data: { values },
    facet: { column: { field: 'eviction', type: 'nominal', title: 'eviction', sort: evictionOrder(cells) } },
    spec: {
      width: 260,
      height: 200,
      mark: { type: 'line', interpolate: 'step-after' },
      encoding: {
        x: { field: 'latencyMs', type: 'quantitative', scale: { type: 'log' }, title: 'latency (ms, log)' },
        y: { field: 'fraction', type: 'quantitative', title: 'CDF' },
        color: { field: 'policy', type: 'nominal' },
      },
    },
  };
}

/** Latency by request index (rolling median of 10), showing warm-up and convergence. */
export function timelineSpec(action: string, cells: readonly CellResult[]): object {
  const values: { policy: string; eviction: string; request: number; latencyMs: number }[] = [];
  for (const c of cells.filter((c) => c.action === action)) {
    const e2e = c.samples.map((s) => s.e2eMs);
    for (let i = 0; i < e2e.length; i++) {
      const w = e2e.slice(Math.max(0, i - 9), i + 1).sort((a, b) => a - b);
      values.push({ policy: c.policy, eviction: c.eviction, request: i + 1, latencyMs: Math.max(w[Math.floor(w.length / 2)], 0.01) });
    }
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `${action}: end-to-end latency by request (rolling median of 10)`,
    data: { values },
    facet: { column: { field: 'eviction', type: 'nominal', title: 'eviction', sort: evictionOrder(cells) } },
    spec: {
      width: 260,
      height: 200,
      mark: { type: 'line' },
      encoding: {
        x: { field: 'request', type: 'quantitative', title: 'request' },
        y: { field: 'latencyMs', type: 'quantitative', scale: { type: 'log' }, title: 'latency (ms, log)' },
        color: { field: 'policy', type: 'nominal' },
      },
    },
  };
}

function evictionOrder(cells: readonly CellResult[]): string[] {
  return [...new Set(cells.map((c) => c.eviction))];
}

export async function renderSvg(vegaLiteSpec: object): Promise<string> {
  // Loaded lazily: vega is large and only the report needs it.
  const vega = require('vega') as typeof import('vega');
  const vl = require('vega-lite') as typeof import('vega-lite');
  const compiled = vl.compile(vegaLiteSpec as Parameters<typeof vl.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Writes results.json, report.md and the figures; returns the paths written. */
export async function writeReport(dir: string, r: BenchResults): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  const put = async (name: string, text: string) => {
    const p = join(dir, name);
    await writeFile(p, text);
    written.push(p);
  };
  await put('results.json', JSON.stringify(r, null, 1));
  await put('report.md', markdownReport(r));
  for (const action of [...new Set(r.cells.map((c) => c.action))]) {
    await put(figureName('cdf', action), await renderSvg(cdfSpec(action, r.cells)));
    await put(figureName('timeline', action), await renderSvg(timelineSpec(action, r.cells)));
  }
  return written;
}
