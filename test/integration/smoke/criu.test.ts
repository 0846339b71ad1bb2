/**
 * CRIU works on this machine: a Node.js process that has served requests is dumped, killed, restored,
 * and goes on counting from where it was.
 */
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { criuBin } from '../../support/env';
import { until } from '../../support/wait';
import { alive } from '../../support/processes';

interface Reply {
  served: number;
  pid: number;
}

function get(socketPath: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // agent: false and connection: close, so no client connection is open when the server is dumped.
    const req = http.request({ socketPath, path: '/', agent: false, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve(JSON.parse(body) as Reply));
    });
    req.on('error', reject);
    req.end();
  });
}

function criu(args: string[]): void {
  const run = spawnSync(criuBin(), args, { encoding: 'utf8' });
  const logFile = args[args.indexOf('-o') + 1];
  const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n') : run.stderr;
  if (run.status !== 0) throw new Error(`criu ${args[0]} failed (exit ${run.status}):\n${log}`);
}

describe('smoke: CRIU dump and restore of a Node.js process', function () {
  this.timeout(60_000);
  let dir: string;
  let pid: number | undefined;

  before(() => {
    criuBin(); // fails with install instructions when CRIU is missing
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pronghorn-criu-smoke-'));
  });

  after(() => {
    if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('continues its in-memory request counter after dump, kill and restore', async () => {
    const socketPath = path.join(dir, 'server.sock');
    const out = fs.openSync(path.join(dir, 'out.log'), 'a');
    // Its own session, stdin from /dev/null, nothing inherited but fds 0-2: what CRIU needs to dump it alone.
    const child = spawn(process.execPath, [path.join(__dirname, 'fixtures', 'counter-server.js'), socketPath], {
      detached: true,
      stdio: ['ignore', out, out],
    });
    fs.closeSync(out);
    child.unref();
    pid = child.pid as number;
    await until('the server socket', 10_000, () => fs.existsSync(socketPath), 50);

    for (let i = 1; i <= 25; i++) expect((await get(socketPath)).served).to.equal(i);

    const images = path.join(dir, 'img');
    fs.mkdirSync(images);
    criu(['dump', '-t', String(pid), '-D', images, '-o', path.join(dir, 'dump.log')]);
    await until('the dumped process to exit', 10_000, () => !alive(pid as number), 50); // dump without --leave-running kills it
    expect(fs.readdirSync(images).some((f) => f.startsWith('pages-'))).to.equal(true);

    criu(['restore', '-D', images, '-d', '-o', path.join(dir, 'restore.log')]);
    expect(alive(pid)).to.equal(true);

    const after = await get(socketPath);
    expect(after).to.deep.equal({ served: 26, pid });
    expect((await get(socketPath)).served).to.equal(27);
  });
});
