/** Pidfile reaping stops services of dead runs only, and only processes whose command line still matches. */
import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isAlive, reapOrphans, writePidfile } from '../../../src/infra/processes';

function sleeper(marker: string): ChildProcess {
  // The marker is an argument of the command line, as a broker's temp directory is of a real broker's.
  return spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', marker], { stdio: 'ignore' });
}

describe('infra processes: reaping leftovers of interrupted runs', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  // A pid that certainly belongs to no running process: one of a child that has exited.
  const deadOwner = spawnSync(process.execPath, ['-e', '0']).pid as number;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pronghorn-reap-'));
  });

  afterEach(() => {
    children.splice(0).forEach((c) => c.kill('SIGKILL'));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stops a service whose owning run is gone and removes its pidfile', async () => {
    const orphan = sleeper('marker-orphan');
    children.push(orphan);
    const file = writePidfile(dir, { pid: orphan.pid as number, owner: deadOwner, marker: 'marker-orphan', what: 'kafka' });
    const exited = new Promise((resolve) => orphan.once('exit', resolve));

    expect(await reapOrphans(dir)).to.deep.equal([`kafka pid ${orphan.pid}`]);
    await exited;
    expect(fs.existsSync(file)).to.equal(false);
  });

  it('leaves alone services of a run still in progress, and pids reused by other commands', async () => {
    const running = sleeper('marker-running');
    const reused = sleeper('some-other-command');
    children.push(running, reused);
    const owner = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    children.push(owner);
    writePidfile(dir, { pid: running.pid as number, owner: owner.pid as number, marker: 'marker-running', what: 'kafka' });
    writePidfile(dir, { pid: reused.pid as number, owner: deadOwner, marker: 'marker-gone', what: 'redis' });

    expect(await reapOrphans(dir)).to.deep.equal([]);
    expect(isAlive(running.pid as number)).to.equal(true);
    expect(isAlive(reused.pid as number)).to.equal(true);
  });

  it('drops unreadable pidfiles without acting on them', async () => {
    fs.writeFileSync(path.join(dir, 'kafka-1.json'), '{"pid": "not a number"}');
    expect(await reapOrphans(dir)).to.deep.equal([]);
    expect(fs.readdirSync(dir)).to.deep.equal([]);
  });
});
