/** Terminal rendering for `pronghorn status`: a table of actions, and one action's curve and pool. */
import * as asciichart from 'asciichart';
import Table from 'cli-table3';
import { stepLookup } from './estimate';
import type { ActionStatus, ActionSummary, StatusOverview } from './types';

const plain = { style: { head: [] as string[], border: [] as string[] } };

function num(x: number | null, digits = 1): string {
  if (x === null || !Number.isFinite(x)) return '–';
  return x.toFixed(digits);
}

function bestCell(s: ActionSummary): string {
  if (s.bestRequestNumber === null) return '–';
  return s.bestRequestNumber === 0 ? 'cold' : String(s.bestRequestNumber);
}

export function renderOverview(o: StatusOverview): string {
  if (o.actions.length === 0) {
    return 'No actions yet. Opt one in with: wsk action update NAME -a pronghorn true\n';
  }
  const t = new Table({
    ...plain,
    head: ['action', 'activations', 'cold starts', 'restores', 'snapshots', 'best request #', 'improvement vs fixed:1'],
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
  });
  for (const a of o.actions) {
    t.push([a.action, a.activations, a.coldStarts, a.restores, a.snapshots, bestCell(a), a.improvementPct === null ? '–' : `${num(a.improvementPct)} %`]);
  }
  return t.toString() + '\n';
}

/**
 * Samples the curve's step function at `columns` request numbers (log-spaced when the curve spans
 * more than two decades), so a long curve fits the terminal.
 */
export function sampleCurve(s: ActionStatus, columns: number): { n: number[]; ms: number[]; logScale: boolean } {
  const pts = s.curve.filter((p) => p.count > 0);
  if (pts.length === 0) return { n: [], ms: [], logScale: false };
  const lookup = stepLookup(pts.map((p) => ({ n: p.n, count: p.count, mean: p.meanMs, m2: 0 })));
  const first = Math.max(1, pts[0].n);
  const last = pts[pts.length - 1].n;
  if (last - first + 1 <= columns) {
    const n = pts.map((p) => p.n);
    return { n, ms: n.map(lookup), logScale: false };
  }
  const logScale = last / first > 100;
  const n: number[] = [];
  for (let i = 0; i < columns; i++) {
    const f = i / (columns - 1);
    const v = logScale ? first * Math.pow(last / first, f) : first + f * (last - first);
    const r = Math.round(v);
    if (n.length === 0 || r > n[n.length - 1]) n.push(r);
  }
  return { n, ms: n.map(lookup), logScale };
}

export function renderAction(s: ActionStatus, columns = 72): string {
  const out: string[] = [];
  const a = s.summary;
  out.push(`${a.action}`);
  out.push(
    `  activations ${a.activations} · cold starts ${a.coldStarts} · restores ${a.restores} · snapshots ${a.snapshots}` +
      ` · cold start ${num(s.coldStartMs.meanMs)} ms · restore ${num(s.restoreMs.meanMs)} ms` +
      ` · worker lifetime ${num(s.lifetimeRequests.mean)} requests`,
  );
  const b = s.baselines;
  if (b) {
    out.push(
      `  expected ms/request over a lifetime of ${b.lifetimeRequests}: cold ${num(b.coldMs, 2)} · fixed:1 ${num(b.fixed1Ms, 2)}` +
        ` · pronghorn ${num(b.pronghornMs, 2)} (best start: ${b.bestRequestNumber === 0 ? 'cold' : `snapshot at ${b.bestRequestNumber}`})` +
        ` → improvement ${num(b.improvementPct)} %`,
    );
  }
  if (s.observedMs && s.observedMs.count > 0) {
    out.push(`  measured mean execution latency ${num(s.observedMs.meanMs, 2)} ms over ${s.observedMs.count} activations (start costs excluded)`);
  }
  out.push('');
  const { n, ms, logScale } = sampleCurve(s, columns);
  if (n.length === 0) {
    out.push('  warm-up curve: no latency observed yet');
  } else {
    out.push('  warm-up curve: mean execution latency (ms) by request number');
    out.push(asciichart.plot(ms, { height: 12, format: (x: number) => x.toFixed(2).padStart(9) }));
    const axisPad = ' '.repeat(11);
    const mid = n[Math.floor(n.length / 2)];
    const left = `n=${n[0]}`;
    const centre = `${mid}`;
    const right = `${n[n.length - 1]}`;
    const width = n.length;
    const gap1 = Math.max(1, Math.floor(width / 2) - left.length - Math.floor(centre.length / 2));
    const gap2 = Math.max(1, width - left.length - gap1 - centre.length - right.length);
    out.push(axisPad + left + ' '.repeat(gap1) + centre + ' '.repeat(gap2) + right + (logScale ? '  (request number, log scale)' : '  (request number)'));
  }
  out.push('');
  if (s.pool.length === 0) {
    out.push('  snapshot pool: empty');
  } else {
    const t = new Table({
      ...plain,
      head: ['snapshot', 'request #', 'node', 'MB', 'dump ms', 'restore ms', 'expected ms/req'],
      colAligns: ['left', 'right', 'left', 'right', 'right', 'right', 'right'],
    });
    for (const p of s.pool) {
      t.push([p.snapshotId, p.requestNumber, p.node, num(p.bytes / 1048576), num(p.dumpMs), p.restoreMs > 0 ? num(p.restoreMs) : '–', num(p.expectedMs, 2)]);
    }
    out.push('  snapshot pool');
    out.push(t.toString());
  }
  if (s.decisions.length > 0) {
    out.push('');
    out.push('  recent decisions');
    for (const d of s.decisions.slice(0, 10)) {
      const { at, kind, ...rest } = d;
      out.push(`  ${new Date(at).toISOString()}  ${kind}  ${JSON.stringify(rest)}`);
    }
  }
  return out.join('\n') + '\n';
}
