/**
 * `pronghorn bench-ingest` stopped by Ctrl-C while its sidecar child ingests: it exits with 130 and
 * leaves nothing behind (no consumer child, no Kafka broker it started, none of the run's Redis keys).
 */
import { expect } from 'chai';
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import Redis from 'ioredis';
import { forEachKeyBatch } from '../../../src/infra/redis';
import { redisUrl } from '../../support/env';
import { until } from '../../support/wait';

const repo = path.resolve(__dirname, '..', '..', '..');

function processesMatching(pattern: string): number {
  try {
    return execFileSync('pgrep', ['-f', pattern]).toString().trim().split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('pronghorn bench-ingest: stopped by a signal', function () {
  this.timeout(180_000);

  it('exits with 130 and leaves no consumer, broker or Redis key of its run', async () => {
    const redis = new Redis(redisUrl());
    const brokersBefore = processesMatching('kafka\\.Kafka');
    // Its own broker (no --brokers), so that stopping it is part of what is checked.
    const child = spawn(process.execPath, [path.join(repo, 'bin', 'pronghorn.js'), 'bench-ingest', '--events', '200000', '--repeats', '1', '--restarts', '0', '--redis', redisUrl()], {
      env: { ...process.env, PRONGHORN_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await until('the sidecar child to start', 150_000, () => stderr.includes('run 1/1: sidecar'));
      const runId = /producing \d+ events to (\S+)-events/.exec(stderr)?.[1];
      expect(runId, stderr).to.be.a('string');
      // Its children now: the broker and the sidecar.
      const children = execFileSync('pgrep', ['-P', String(child.pid)]).toString().trim().split('\n').map(Number);
      expect(children.length).to.be.at.least(2);
      expect(processesMatching('kafka\\.Kafka')).to.equal(brokersBefore + 1);
      child.kill('SIGINT');
      const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('timeout'), 60_000))]);
      expect(code, stderr.slice(-2000)).to.equal(130);
      expect(stderr).to.include('stopping bench-ingest');
      for (const pid of children) expect(alive(pid), `child ${pid} still running`).to.equal(false);
      expect(processesMatching('kafka\\.Kafka')).to.equal(brokersBefore);
      let keys = 0;
      await forEachKeyBatch(redis, `${runId}*`, async (k) => (keys += k.length), 1000);
      expect(keys).to.equal(0);
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      redis.disconnect();
    }
  });
});
