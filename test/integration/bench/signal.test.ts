/**
 * `pronghorn bench` stopped by SIGTERM mid-run: it exits with 143 and leaves nothing behind (no Kafka
 * broker it started, no worker process, none of the run's Redis keys).
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { forEachKeyBatch } from '../../../src/infra/redis';
import { criuBin, redisUrl } from '../../support/env';
import { until } from '../../support/wait';
import { alive, descendantsMatching, processesMatching, runPronghorn } from '../../support/processes';

/** Keys of the bench run with this pid (its namespace is `bench-<time>-<pid>`). */
async function runKeys(redis: Redis, pid: number): Promise<number> {
  let n = 0;
  await forEachKeyBatch(redis, `bench-*-${pid}:*`, async (keys) => (n += keys.length), 1000);
  return n;
}

describe('pronghorn bench: stopped by a signal', function () {
  this.timeout(180_000);

  before(function () {
    if (process.getuid?.() !== 0) this.skip();
  });

  it('exits with 143 and leaves no broker, worker or Redis key of its run', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'pronghorn-bench-signal-'));
    const redis = new Redis(redisUrl());
    const brokersBefore = processesMatching('kafka\\.Kafka');
    // info: the test watches the log for the first restore (the suite itself runs at warn).
    const run = runPronghorn(['bench', '--quick', '--requests', '500', '--no-progress', '--out', out], { REDIS_URL: redisUrl(), PRONGHORN_CRIU_BIN: criuBin(), PRONGHORN_LOG_LEVEL: 'info' });
    const child = run.child;
    const stderr = run.stderr;
    try {
      await until('the bench to restore a worker', 120_000, () => stderr().includes('worker restored'));
      expect(await runKeys(redis, child.pid!)).to.be.greaterThan(0); // the same Redis as this test's
      // Its own workers (another bench on the machine has its own): they must all be gone afterwards.
      const workers = descendantsMatching(child.pid!, /supervisor\.js/);
      expect(workers.length).to.be.greaterThan(0);
      child.kill('SIGTERM');
      expect(await run.exitWithin(60_000), stderr().slice(-2000)).to.equal(143);
      expect(stderr()).to.include('stopping the bench');
      expect(processesMatching('kafka\\.Kafka')).to.equal(brokersBefore);
      expect(await runKeys(redis, child.pid!)).to.equal(0);
      // Killed workers may take a moment to be gone after the bench has exited.
      await until('no worker process of the run left', 10_000, () => workers.every((pid) => !alive(pid)));
    } finally {
      // A failed check: the bench cleans up after itself first (its broker, its keys).
      await run.stop();
      redis.disconnect();
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
