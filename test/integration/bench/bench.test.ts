/**
 * A short real bench: one action, fixed:1 and pronghorn (and cold), E=1 and E=4, through the real
 * Kafka broker, the sidecar's Kafka source ingesting into real Redis, the orchestrator and the criu
 * agent. Checks the report's shape, that snapshots were taken and restored, and that every restored
 * worker continued at the request number of the snapshot it came from.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openBenchEnvironment, type OpenBenchEnvironment } from '../../../src/bench/environment';
import { evictAfterRequests } from '../../../src/bench/eviction';
import { writeReport } from '../../../src/bench/report';
import { jsonCells, type BenchResults } from '../../../src/bench/results';
import { awaitIngest, cellActionName, runBench } from '../../../src/bench/runner';
import { logger } from '../../../src/log/logger';
import { criuBin, kafkaBrokers, redisUrl } from '../../support/env';

// 16: pronghorn at E=4 spends its first 12 requests on three cold roots (its root trial), then restores.
const REQUESTS = 16;

describe('pronghorn bench (real Kafka, Redis and CRIU)', function () {
  this.timeout(15 * 60_000);
  let env: OpenBenchEnvironment;
  let results: BenchResults;
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-it-'));

  before(async () => {
    criuBin();
    env = await openBenchEnvironment({ kafkaBrokers: kafkaBrokers(), redisUrl: redisUrl(), seed: 7, log: logger('bench-test') });
    results = await runBench(
      env,
      {
        actions: ['hash'],
        policies: ['cold', 'fixed:1', 'pronghorn'],
        evictions: [evictAfterRequests(1), evictAfterRequests(4)],
        requests: REQUESTS,
        seed: 7,
        standbys: 1,
        prefaultStandbys: true,
        quick: true,
        namespace: env.namespace,
        ingestWaitMs: 5_000,
        settle: true,
      },
      logger('bench-test'),
    );
  });

  after(async () => {
    await env?.close();
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('reports every cell with its numbers', () => {
    expect(results.cells.map((c) => `${c.policy} ${c.eviction}`)).to.deep.equal(['cold E=1', 'fixed:1 E=1', 'pronghorn E=1', 'cold E=4', 'fixed:1 E=4', 'pronghorn E=4']);
    for (const c of results.cells) {
      expect(c.samples).to.have.length(REQUESTS);
      expect(c.samples.filter((s) => s.statusCode !== 0), `${c.policy} ${c.eviction} errors`).to.have.length(0);
      for (const s of c.samples) expect(s.e2eMs).to.be.at.least(s.execMs);
    }
    const json = jsonCells(results.summary);
    expect(json.cells).to.have.length(6);
    for (const cell of json.cells) {
      expect(cell.medianMs).to.be.greaterThan(0);
      expect(cell.p99Ms).to.be.at.least(cell.medianMs);
    }
    expect(json.cells.find((c) => c.policy === 'pronghorn' && c.eviction === 'E=1')?.improvementPct).to.be.a('number');
    expect(json.cells.find((c) => c.policy === 'fixed:1')?.improvementPct).to.equal(null);
  });

  it('took snapshots and restored workers from them (none for cold)', () => {
    for (const c of results.cells) {
      if (c.policy === 'cold') {
        expect(c.snapshots).to.equal(0);
        expect(c.restores).to.equal(0);
        continue;
      }
      expect(c.snapshots, `${c.policy} ${c.eviction} snapshots`).to.be.greaterThan(0);
      expect(c.restores, `${c.policy} ${c.eviction} restores`).to.be.greaterThan(0);
      expect(c.fallbacks).to.equal(0);
      expect(c.dumpMs.every((ms) => ms > 0)).to.equal(true);
    }
    const fixedE1 = results.cells.find((c) => c.policy === 'fixed:1' && c.eviction === 'E=1')!;
    expect(fixedE1.snapshotRequestNumbers).to.deep.equal([1]);
    expect(fixedE1.coldStarts).to.equal(1);
    // pronghorn's root trial: three cold processes, whose lines it then compares, at either E.
    for (const c of results.cells.filter((c) => c.policy === 'pronghorn')) expect(c.coldStarts, c.eviction).to.equal(3);
  });

  it('restored workers continue at the request number of their snapshot', () => {
    for (const c of results.cells.filter((c) => c.policy !== 'cold')) {
      const restored = c.samples.filter((s) => s.start === 'restore');
      expect(restored.length).to.be.greaterThan(0);
      for (const s of restored) {
        expect(c.snapshotRequestNumbers, `${c.policy} ${c.eviction}`).to.include(s.startedAtRequest);
        expect(s.requestNumber).to.equal((s.startedAtRequest as number) + 1);
      }
    }
    // The pronghorn policy moves its snapshots forward: later workers start from later request numbers.
    const p = results.cells.find((c) => c.policy === 'pronghorn' && c.eviction === 'E=1')!;
    expect(Math.max(...p.snapshotRequestNumbers)).to.be.greaterThan(1);
  });

  it('the sidecar ingested every event from Kafka into Redis, joined with lineage', async () => {
    for (const c of results.cells) {
      const name = cellActionName(env.namespace, 'hash', c.policy, c.eviction);
      // Generous: under heavy machine load the consumer can lag well behind the producer.
      await awaitIngest(env.store, name, REQUESTS, 60_000);
      const stats = await env.store.getActionStats(name);
      expect(stats.activations, name).to.equal(REQUESTS);
      expect(stats.withLineage, name).to.equal(REQUESTS);
      expect(stats.coldStarts, name).to.equal(c.samples.filter((s) => s.start === 'cold').length);
    }
  });

  it('writes results.json, report.md and the SVG figures', async () => {
    const files = (await writeReport(out, results)).map((f) => path.basename(f));
    expect(files).to.include.members(['results.json', 'report.md', 'cdf-hash.svg', 'timeline-hash.svg']);
    expect(fs.readFileSync(path.join(out, 'cdf-hash.svg'), 'utf8')).to.match(/^<svg/);
    expect(fs.readFileSync(path.join(out, 'report.md'), 'utf8')).to.contain('| hash | E=1 | pronghorn |');
  });
});
