import { spawn } from 'node:child_process';
import { expect } from 'chai';
import { Supervisor } from '../../../src/agent/backends/criu/backend';
import { logger } from '../../../src/log/logger';

describe('criu backend: a supervisor that stops reading', () => {
  it('answers a command written into its closed pipe with a failed reply, and the agent process lives on', async () => {
    // A child that closes its stdin at once but stays alive: the next write fails with EPIPE.
    const proc = spawn(process.execPath, ['-e', 'require("fs").closeSync(0); setTimeout(() => {}, 5000)'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const sup = new Supervisor('test', '/tmp', proc, logger('criu-supervisor-test'));
    sup.attach(() => undefined);
    try {
      await new Promise((r) => setTimeout(r, 300));
      const uncaught: Error[] = [];
      const onUncaught = (err: Error) => uncaught.push(err);
      process.on('uncaughtException', onUncaught);
      try {
        const replies = [];
        // Several writes: the first may still land in the pipe's buffer before the close is seen.
        for (let i = 0; i < 3; i++) replies.push(await sup.command({ op: 'spawn', env: {} }));
        expect(replies.some((r) => r.ok === false && /did not take the command/.test(r.error ?? ''))).to.equal(true);
        await new Promise((r) => setTimeout(r, 50));
      } finally {
        process.off('uncaughtException', onUncaught);
      }
      expect(uncaught).to.deep.equal([]);
    } finally {
      proc.kill('SIGKILL');
    }
  });
});
