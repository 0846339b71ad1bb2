/**
 * The criu backend end to end with real CRIU and real Node.js runtime processes (root and CRIU 4.2
 * needed; `npm test` installs CRIU). The done-when scenario: 300 activations of a CPU-heavy action,
 * a snapshot at request 200, eviction, three concurrent restores that each continue at request 201.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { criuBin } from '../../support/env';
import { AgentClientError } from '../../../src/agent/client';
import { CHAIN_FIRST_REQUESTS } from '../../../src/store/types';
import { PRIME_ACTION, expectedPrimes, failingCriu, ownWorkerProcesses, startTestAgent, type TestAgent } from './helpers';

const ACTION = 'guest/demo/primes';
const init = { name: 'primes', main: 'main', code: PRIME_ACTION, binary: false, env: {} };
const nFor = (i: number): number => 3000 + (i % 7) * 500;

async function rejection(p: Promise<unknown>): Promise<AgentClientError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AgentClientError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

describe('agent criu backend (real CRIU)', function () {
  this.timeout(180_000);
  let t: TestAgent;

  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    t = await startTestAgent({ criuBin: criuBin(), standby: 3 });
  });

  after(async () => {
    await t?.stop();
  });

  it('serves 300 activations, snapshots at 200, and three concurrent restores continue at 201', async () => {
    const { client, store } = t;
    const cold = await client.createWorker({ action: ACTION, init, checkpointAt: 200 });
    expect(cold.origin).to.deep.equal({ kind: 'cold' });
    expect(cold.startMs).to.be.greaterThan(0);
    for (let i = 1; i <= 300; i++) {
      const r = await client.run(cold.workerId, { value: { n: nFor(i) }, activation_id: `cold${i}` });
      expect(r.requestNumber).to.equal(i);
      expect(r.statusCode).to.equal(200);
      expect(r.result).to.deep.include({ served: i, ...expectedPrimes(nFor(i)), activation: `cold${i}` });
      expect(r.snapshotScheduled).to.equal(i === 200);
    }
    const snaps = await client.listSnapshots(ACTION);
    expect(snaps).to.have.length(1);
    const snap = snaps[0];
    expect(snap).to.include({ action: ACTION, requestNumber: 200, parentSnapshotId: null, workerId: cold.workerId });
    expect(snap.bytes).to.be.greaterThan(1_000_000);
    expect(snap.dumpMs).to.be.greaterThan(0);
    expect(snap.codeDigest).to.match(/^[0-9a-f]{64}$/);
    // The line's first requests, timed in the runtime (capped: the image is at request 200).
    expect(snap.chain?.rootId).to.equal(cold.workerId);
    expect(snap.chain?.firstMs).to.have.length(CHAIN_FIRST_REQUESTS);
    for (const ms of snap.chain?.firstMs ?? []) expect(ms).to.be.a('number').and.greaterThan(0);

    const evicted = await client.deleteWorker(cold.workerId);
    expect(evicted.requestsSinceStart).to.equal(300);

    // The third is restored as a stand-by would be: its runtime walks its heap before it is ready.
    const restored = await Promise.all([0, 1, 2].map((k) => client.createWorker({ action: ACTION, snapshotId: snap.snapshotId, init, ...(k === 2 ? { prefault: true } : {}) })));
    expect(new Set(restored.map((w) => w.workerId)).size).to.equal(3);
    for (const w of restored) {
      expect(w.origin).to.deep.equal({ kind: 'snapshot', snapshotId: snap.snapshotId, requestNumber: 200 });
      expect(w.requestNumber).to.equal(200);
      expect(w.startMs).to.be.greaterThan(0);
    }
    expect(restored.map((w) => w.prefaultMs === null)).to.deep.equal([true, true, false]);
    expect(restored[2].prefaultMs).to.be.greaterThan(0).and.lessThan(restored[2].startMs);
    // Stand-by workers had `criu restore` started ahead: no CRIU start-up on these restores' path.
    expect(t.backend.restoreCounts).to.deep.equal({ prewarmed: 3, total: 3 });
    const firsts = await Promise.all(restored.map((w, k) => client.run(w.workerId, { value: { n: nFor(201) }, activation_id: `restored${k}` })));
    for (const [k, r] of firsts.entries()) {
      expect(r.requestNumber).to.equal(201);
      expect(r.requestsSinceStart).to.equal(1);
      // `served` lives in the action's memory: 201 proves the state came from the snapshot.
      expect(r.result).to.deep.include({ served: 201, ...expectedPrimes(nFor(201)), activation: `restored${k}` });
    }
    for (const w of restored) {
      for (let i = 202; i <= 210; i++) {
        const r = await client.run(w.workerId, { value: { n: nFor(i) } });
        expect(r.requestNumber).to.equal(i);
        expect(r.result).to.deep.include({ served: i, ...expectedPrimes(nFor(i)) });
      }
    }
    // Lineage was written for every activation, with the request number and the origin.
    const lineage = store.lineage.find((l) => l.activationId === 'restored1');
    expect(lineage).to.deep.include({ requestNumber: 201, requestsSinceStart: 1, origin: { kind: 'snapshot', snapshotId: snap.snapshotId, requestNumber: 200 } });
    expect(store.lineage.find((l) => l.activationId === 'cold200')).to.deep.include({ requestNumber: 200, origin: { kind: 'cold' } });
    const ended = store.workers.find((w) => w.workerId === cold.workerId && w.endedAt !== undefined);
    expect(ended?.requestsServed).to.equal(300);
    for (const w of restored) await client.deleteWorker(w.workerId);
  });

  it('a restored worker refuses /init with different code and accepts the same code', async () => {
    const w = await t.client.createWorker({ action: ACTION, init });
    await t.client.run(w.workerId, { value: { n: 100 } });
    const { snapshot } = await t.client.snapshot(w.workerId);
    expect(snapshot?.requestNumber).to.equal(1);
    const r = await t.client.createWorker({ action: ACTION, snapshotId: snapshot!.snapshotId });
    expect((await t.client.init(r.workerId, init)).statusCode).to.equal(200);
    const other = await t.client.init(r.workerId, { ...init, code: PRIME_ACTION + '\n// changed' });
    expect(other.statusCode).to.equal(403);
    expect(JSON.stringify(other.body)).to.match(/different code/);
    // And the agent refuses to restore a snapshot for changed code at all.
    const err = await rejection(t.client.createWorker({ action: ACTION, snapshotId: snapshot!.snapshotId, init: { ...init, code: 'function main(){return {}}' } }));
    expect(err.status).to.equal(409);
    expect(err.code).to.equal('code_changed');
    await t.client.deleteWorker(w.workerId);
    await t.client.deleteWorker(r.workerId);
  });

  it('whenIdle() runs the deferred stand-by top-up at once and resolves when the pool is full again', async () => {
    await t.backend.whenIdle();
    expect(t.backend.standbyReady).to.equal(3);
    const w = await t.client.createWorker({ action: ACTION, init });
    // The worker took a stand-by; the top-up is deferred so that it does not compete with the start.
    await t.backend.whenIdle();
    expect(t.backend.standbyReady).to.equal(3);
    await t.client.deleteWorker(w.workerId);
  });

  it('deleting a snapshot frees its disk', async () => {
    const w = await t.client.createWorker({ action: ACTION, init });
    const { snapshot } = await t.client.snapshot(w.workerId);
    const dir = path.join(t.dataDir, 'snapshots', snapshot!.snapshotId);
    expect(fs.existsSync(dir)).to.equal(true);
    expect(fs.statSync(dir).mode & 0o777).to.equal(0o700);
    const deleted = await t.client.deleteSnapshot(snapshot!.snapshotId);
    expect(deleted.bytesFreed).to.equal(snapshot!.bytes);
    expect(fs.existsSync(dir)).to.equal(false);
    expect((await rejection(t.client.getSnapshot(snapshot!.snapshotId))).status).to.equal(404);
    await t.client.deleteWorker(w.workerId);
  });

  it('a damaged image fails the restore clearly, registers no worker and leaves no process', async () => {
    const w = await t.client.createWorker({ action: ACTION, init });
    const truncated = (await t.client.snapshot(w.workerId)).snapshot!;
    const garbled = (await t.client.snapshot(w.workerId)).snapshot!;
    await t.client.deleteWorker(w.workerId);
    const imgOf = (id: string): string => path.join(t.dataDir, 'snapshots', id, 'img');
    // Truncated page data: caught by the size check before CRIU runs (CRIU itself would spin on it).
    for (const f of fs.readdirSync(imgOf(truncated.snapshotId)).filter((f) => f.startsWith('pages-'))) {
      fs.truncateSync(path.join(imgOf(truncated.snapshotId), f), 4096);
    }
    // Garbage of the right size in the process tree image: CRIU runs and fails.
    const pstree = path.join(imgOf(garbled.snapshotId), 'pstree.img');
    fs.writeFileSync(pstree, Buffer.alloc(fs.statSync(pstree).size, 0x5a));

    const before = (await t.client.listWorkers()).length;
    await new Promise((r) => setTimeout(r, 1000)); // let the stand-by pool refill
    const procsBefore = ownWorkerProcesses();
    const e1 = await rejection(t.client.createWorker({ action: ACTION, snapshotId: truncated.snapshotId }));
    expect(e1.status).to.equal(500);
    expect(e1.code).to.equal('snapshot_damaged');
    expect(e1.message).to.match(/pages-\d+\.img has 4096 bytes/);
    const e2 = await rejection(t.client.createWorker({ action: ACTION, snapshotId: garbled.snapshotId }));
    expect(e2.status).to.equal(500);
    expect(e2.code).to.equal('restore_failed');
    expect(e2.message).to.match(/criu restore failed: .+/);
    expect((await t.client.listWorkers()).length).to.equal(before);
    await new Promise((r) => setTimeout(r, 1500));
    expect(ownWorkerProcesses()).to.be.at.most(procsBefore);
  });

  it('rejects bad input and missing auth with clear 4xx errors', async () => {
    expect((await rejection(t.client.createWorker({ action: '/guest/x' }))).status).to.equal(400);
    expect((await rejection(t.client.getSnapshot('../../etc'))).status).to.be.oneOf([400, 404]);
    expect((await rejection(t.client.createWorker({ action: ACTION, snapshotId: 'snap-doesnotexist' }))).code).to.equal('snapshot_not_found');
    const res = await t.agent.app.inject({ method: 'GET', url: '/v1/workers' });
    expect(res.statusCode).to.equal(401);
  });
});

describe('agent criu backend: missing CRIU', () => {
  it('refuses to start with a clear error and leaves no worker process', async function () {
    if (process.getuid?.() !== 0) this.skip();
    const procs = ownWorkerProcesses();
    let err: unknown;
    await startTestAgent({ criuBin: '/nonexistent/criu' }).catch((e: unknown) => (err = e));
    expect((err as Error).message).to.match(/CRIU not usable at \/nonexistent\/criu.*install-criu\.sh/);
    expect(ownWorkerProcesses()).to.equal(procs);
  });
});

describe('agent criu backend: failing CRIU', function () {
  this.timeout(60_000);
  let t: TestAgent;
  let fakeDir: string | undefined;

  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    fakeDir = fs.mkdtempSync('/tmp/pronghorn-fake-criu-');
    t = await startTestAgent({ criuBin: failingCriu(fakeDir), standby: 1 });
  });

  after(async () => {
    await t?.stop();
    if (fakeDir) fs.rmSync(fakeDir, { recursive: true, force: true });
  });

  it('a failed dump is reported, registers nothing, leaves no temporary image, and the worker keeps serving', async () => {
    const w = await t.client.createWorker({ action: ACTION, init });
    await t.client.run(w.workerId, { value: { n: 100 } });
    const err = await rejection(t.client.snapshot(w.workerId));
    expect(err.status).to.equal(500);
    expect(err.code).to.equal('dump_failed');
    expect(err.message).to.match(/criu dump failed: .*induced/);
    expect(await t.client.listSnapshots()).to.have.length(0);
    expect(fs.readdirSync(path.join(t.dataDir, 'snapshots'))).to.deep.equal([]);
    const r = await t.client.run(w.workerId, { value: { n: 100 } });
    expect(r.requestNumber).to.equal(2);
    await t.client.deleteWorker(w.workerId);
  });

  it('a scheduled dump that fails does not block the worker', async () => {
    const w = await t.client.createWorker({ action: ACTION, init, checkpointAt: 1 });
    const first = await t.client.run(w.workerId, { value: { n: 100 } });
    expect(first.snapshotScheduled).to.equal(true);
    const second = await t.client.run(w.workerId, { value: { n: 100 } });
    expect(second.requestNumber).to.equal(2);
    expect(await t.client.listSnapshots()).to.have.length(0);
    await t.client.deleteWorker(w.workerId);
  });
});
