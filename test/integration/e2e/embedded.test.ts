/**
 * The embedded mode end to end: in-memory store, in-process events, the criu agent, the orchestrator
 * with the pronghorn policy and the local invoker; the status page answers; stopping leaves no worker
 * process behind.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import { startEmbedded } from '../../../src/embedded/embedded';
import { logger } from '../../../src/log/logger';
import { criuBin } from '../../support/env';

/** Direct children of this process that run workers (unshare/supervisor/runtime), by /proc. */
function workerChildren(): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
      const ppid = Number(/PPid:\s+(\d+)/.exec(status)?.[1]);
      if (ppid !== process.pid) continue;
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (/unshare|supervisor|runtime\/server/.test(cmd)) found.push(`${pid} ${cmd}`);
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

describe('embedded mode (pronghorn up)', function () {
  this.timeout(10 * 60_000);

  it('serves activations, snapshots and restores, shows them on the status page, and stops cleanly', async () => {
    criuBin();
    const emb = await startEmbedded({
      actions: ['hash'],
      policy: 'pronghorn',
      eviction: 'E=2',
      gapMs: 0,
      listen: '127.0.0.1:0',
      seed: 3,
      store: { kind: 'memory' },
      events: { kind: 'inprocess' },
      maxRequests: 10,
      live: null,
      log: logger('embedded-test'),
    });
    try {
      expect(emb.criu).to.equal(true);
      await emb.done;
      expect(emb.requestsServed()).to.equal(10);
      expect(workerChildren().length).to.be.greaterThan(0);
      const overview = (await (await fetch(emb.url.replace(/\/status$/, '/api/status'))).json()) as {
        actions: { action: string; activations: number; snapshots: number; restores: number }[];
      };
      const hash = overview.actions.find((a) => a.action === 'guest/pronghorn-demo/hash');
      expect(hash?.activations).to.equal(10);
      expect(hash?.snapshots).to.be.greaterThan(0);
      expect(hash?.restores).to.be.greaterThan(0);
      const page = await fetch(emb.url);
      expect(page.status).to.equal(200);
    } finally {
      await emb.stop();
    }
    expect(workerChildren()).to.deep.equal([]);
  });
});
