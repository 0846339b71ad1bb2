import { expect } from 'chai';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeReport } from '../../../src/bench/report';
import { headline, jsonCells, summarizeCells, type BenchResults, type CellResult } from '../../../src/bench/results';

function cell(policy: string, eviction: string, latency: (i: number) => number): CellResult {
  return {
    action: 'guest/bench/hash',
    policy,
    eviction,
    samples: Array.from({ length: 100 }, (_, i) => ({ i, e2eMs: latency(i), execMs: latency(i) * 0.9, startWaitMs: 0, start: 'warm' as const, requestNumber: i + 1, statusCode: 0 })),
    coldStarts: 1,
    restores: 3,
    snapshots: 2,
    pruned: 0,
    dumpMs: [100, 120],
    restoreMs: [50, 70, 60],
    diskBytes: 20e6,
    fallbacks: 0,
    restoredAt: [2, 3],
    snapshotRequestNumbers: [1, 2],
  };
}

describe('bench report', () => {
  const cells = [cell('fixed:1', 'E=1', () => 10), cell('pronghorn', 'E=1', (i) => (i < 30 ? 10 : 6)), cell('fixed:1', 'E=4', () => 8), cell('pronghorn', 'E=4', () => 8.8)];
  const summary = summarizeCells(cells);

  it('summarises cells against fixed:1 of the same action and eviction', () => {
    expect(summary.map((s) => s.improvementPct)).to.deep.equal([null, 40, null, -10]);
    expect(summary[1]).to.include({ medianMs: 6, snapshots: 2, dumpMsMedian: 110, restoreMsMedian: 60, diskMB: 20 });
    expect(summary[1].convergenceRequests).to.be.within(20, 30);
    expect(jsonCells(summary).cells[1]).to.have.all.keys('action', 'policy', 'eviction', 'medianMs', 'p99Ms', 'improvementPct', 'convergenceRequests', 'snapshots');
  });

  it('computes the closing numbers: geometric mean over improving actions, worst cell', () => {
    const h = headline(summary, ['pronghorn'], 'E=1');
    expect(h.policies[0]).to.deep.include({ geoMeanImprovingPct: 40, improvingActions: 1, actionsAtE: 1 });
    expect(h.policies[0].worst).to.deep.equal({ action: 'guest/bench/hash', eviction: 'E=4', improvementPct: -10 });
  });

  it('writes results.json, report.md and SVG figures', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bench-report-'));
    try {
      const results: BenchResults = {
        version: 1,
        startedAt: 'a',
        finishedAt: 'b',
        host: { node: process.version, platform: 'linux', cpus: 2 },
        config: { actions: ['guest/bench/hash'], policies: ['fixed:1', 'pronghorn'], evictions: ['E=1', 'E=4'], requests: 100, seed: 42, quick: true, eventsVia: 'test', store: 'test', agentBackend: 'test', standbys: 1 },
        summary,
        headline: headline(summary, ['pronghorn'], 'E=1'),
        cells,
      };
      const written = await writeReport(dir, results);
      expect(written.map((p) => p.slice(dir.length + 1))).to.deep.equal(['results.json', 'report.md', 'cdf-guest_bench_hash.svg', 'timeline-guest_bench_hash.svg']);
      const md = await readFile(join(dir, 'report.md'), 'utf8');
      expect(md).to.contain('| guest/bench/hash | E=1 | pronghorn | 6.00 |');
      expect(md).to.contain('+40.0 %');
      // The geometric mean is at E=1; the worst cell is found at E=4, and the text says it spans every E.
      expect(md).to.contain('worst cell at any E: guest/bench/hash E=4 -10.0 %');
      expect(md).to.contain('median convergence over all its cells');
      const svg = await readFile(join(dir, 'cdf-guest_bench_hash.svg'), 'utf8');
      expect(svg.startsWith('<svg')).to.equal(true);
      expect(svg).to.contain('E=4');
      expect(JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')).cells).to.have.length(4);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
