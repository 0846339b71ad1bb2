/**
 * `pronghorn bench-ingest` stopped by Ctrl-C while its sidecar child ingests: it exits with 130 and
 * leaves nothing behind (no consumer child, no Kafka broker it started, none of the run's Redis keys).
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import Redis from 'ioredis';
import { forEachKeyBatch } from '../../../src/infra/redis';
import { redisUrl } from '../../support/env';
import { until } from '../../support/wait';
import { alive, processesMatching, runPronghorn } from '../../support/processes';

describe('pronghorn bench-ingest: stopped by a signal', function () {
  this.timeout(180_000);

  it('exits with 130 and leaves no consumer, broker or Redis key of its run', async () => {
    const redis = new Redis(redisUrl());
    const brokersBefore = processesMatching('kafka\\.Kafka');
    // Its own broker (no --brokers), so that stopping it is part of what is checked.
    const run = runPronghorn(['bench-ingest', '--events', '200000', '--repeats', '1', '--restarts', '0', '--redis', redisUrl()], { PRONGHORN_LOG_LEVEL: 'warn' });
    const stderr = run.stderr;
    try {
      await until('the sidecar child to start', 150_000, () => stderr().includes('run 1/1: sidecar'));
      const runId = /producing \d+ events to (\S+)-events/.exec(stderr())?.[1];
      expect(runId, stderr()).to.be.a('string');
      // Its children now: the broker and the sidecar.
      const children = execFileSync('pgrep', ['-P', String(run.child.pid)]).toString().trim().split('\n').map(Number);
      expect(children.length).to.be.at.least(2);
      expect(processesMatching('kafka\\.Kafka')).to.equal(brokersBefore + 1);
      run.child.kill('SIGINT');
      expect(await run.exitWithin(60_000), stderr().slice(-2000)).to.equal(130);
      expect(stderr()).to.include('stopping bench-ingest');
      for (const pid of children) expect(alive(pid), `child ${pid} still running`).to.equal(false);
      expect(processesMatching('kafka\\.Kafka')).to.equal(brokersBefore);
      let keys = 0;
      await forEachKeyBatch(redis, `${runId}*`, async (k) => (keys += k.length), 1000);
      expect(keys).to.equal(0);
    } finally {
      await run.stop();
      redis.disconnect();
    }
  });
});
