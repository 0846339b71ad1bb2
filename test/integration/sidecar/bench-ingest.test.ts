/**
 * `pronghorn bench-ingest` end to end on a small stream: the real broker and Redis of the suite, the
 * sidecar and the bare consumer as child processes, one SIGKILL restart. Checks the JSON it prints
 * (nothing lost or counted twice, ratios that are quotients of the rates, the validating reference, busy shares), that it
 * exits as soon as it is done, and that it leaves none of its Redis keys behind.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import path from 'node:path';
import Redis from 'ioredis';
import { forEachKeyBatch } from '../../../src/infra/redis';
import { SIDECAR_NODE_OPTIONS } from '../../../src/sidecar/node-options';
import { kafkaBrokers, redisUrl } from '../../support/env';

const repo = path.resolve(__dirname, '..', '..', '..');

describe('pronghorn bench-ingest', function () {
  this.timeout(180_000);

  it('measures a small stream with one restart, loses and doubles nothing, exits at once and cleans up', async () => {
    const events = 4000;
    const child = spawn(
      process.execPath,
      [path.join(repo, 'bin', 'pronghorn.js'), 'bench-ingest', '--events', String(events), '--actions', '5', '--repeats', '1', '--restarts', '1',
        '--brokers', kafkaBrokers().join(','), '--redis', redisUrl(), '--timeout', '120', '--sidecar-node-arg=--max-semi-space-size=24', '--json'],
      { env: { ...process.env, PRONGHORN_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    let printedAt = 0;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      printedAt ||= Date.now();
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    const exitedAt = Date.now();
    expect(code, stderr.slice(-2000)).to.equal(0);

    const r = JSON.parse(stdout) as Record<string, number> & { sidecarNodeOptions: string[] };
    expect(r).to.include({ events, restarts: 1, lost: 0, countedTwice: 0 });
    // The sidecar child runs with the deployed node options, then the ones given.
    expect(r.sidecarNodeOptions).to.deep.equal([...SIDECAR_NODE_OPTIONS, '--max-semi-space-size=24']);
    expect(r.sidecarEventsPerSec).to.be.greaterThan(0);
    expect(r.bareEventsPerSec).to.be.greaterThan(0);
    expect(r.ratio).to.be.closeTo(r.sidecarEventsPerSec / r.bareEventsPerSec, 0.002);
    // The reference consumer ran (it fails the bench unless it validated every event) and is reported as a rate and a ratio.
    expect(r.validatingEventsPerSec).to.be.greaterThan(0);
    expect(r.validatingRatio).to.be.closeTo(r.validatingEventsPerSec / r.bareEventsPerSec, 0.002);
    expect(r.peakRssMB).to.be.within(20, 1000);
    // Busy shares while ingesting: the sidecar certainly worked; Redis's share is a number too.
    expect(r.sidecarBusyPct).to.be.within(1, 400);
    expect(r.redisBusyPct).to.be.within(0, 400);
    // Done means done: no timer or connection keeps the process alive after the result.
    expect(exitedAt - printedAt, 'seconds between the result and the exit').to.be.lessThan(5000);

    const runId = /producing \d+ events to (\S+)-events/.exec(stderr)?.[1];
    expect(runId, stderr).to.be.a('string');
    const redis = new Redis(redisUrl());
    try {
      let left = 0;
      await forEachKeyBatch(redis, `${runId}-*`, async (keys) => (left += keys.length), 1000);
      expect(left).to.equal(0);
    } finally {
      redis.disconnect();
    }
  });
});
