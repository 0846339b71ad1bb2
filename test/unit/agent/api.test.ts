/** The agent's API and core over a fake backend: validation, auth, lineage ordering, snapshots, errors. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import YAML from 'yaml';
import { createAgent, type Agent, type AgentStore } from '../../../src/agent';
import { logger } from '../../../src/log/logger';
import type { LineageRecord, WorkerRecord } from '../../../src/store/types';
import { FakeBackend } from './fake-backend';

const TOKEN = 'unit-test-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
const init = { name: 'a', main: 'main', code: 'let n = 0; function main(p) { n++; return { n, echo: p.x }; }', binary: false, env: {} };

class OrderedStore implements AgentStore {
  events: string[] = [];
  lineage: LineageRecord[] = [];
  workers: WorkerRecord[] = [];
  down = false;
  /** How long a lineage write takes (ms); Infinity: it never answers. */
  writeMs = 0;
  async recordLineage(rec: LineageRecord): Promise<void> {
    if (this.down) throw new Error('redis unreachable');
    this.events.push(`lineage-sent:${rec.activationId}`);
    if (this.writeMs > 0) await new Promise((resolve) => (Number.isFinite(this.writeMs) ? setTimeout(resolve, this.writeMs) : undefined));
    this.events.push(`lineage:${rec.activationId}`);
    this.lineage.push(rec);
  }
  async putWorker(rec: WorkerRecord): Promise<void> {
    this.workers.push(rec);
  }
}

describe('agent API (fake backend)', () => {
  let dir: string;
  let agent: Agent;
  let store: OrderedStore;
  let backend: FakeBackend;

  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) =>
    agent.app.inject({ method, url, headers: auth, ...(payload !== undefined ? { payload: payload as object } : {}) });

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pronghorn-agent-unit-'));
    store = new OrderedStore();
    backend = new FakeBackend(path.join(dir, 'fake'), (id) => store.events.push(`run:${id}`));
    agent = await createAgent({ store, dataDir: path.join(dir, 'data'), token: TOKEN, backend, log: logger('agent-unit'), lineageWaitMs: 300 });
  });

  afterEach(async () => {
    await agent.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('requires the bearer token everywhere but /health', async () => {
    expect((await agent.app.inject({ method: 'GET', url: '/health' })).statusCode).to.equal(200);
    expect((await agent.app.inject({ method: 'GET', url: '/v1/workers' })).statusCode).to.equal(401);
    expect((await agent.app.inject({ method: 'GET', url: '/v1/workers', headers: { authorization: 'Bearer wrong-token-xxxxxxxxxx' } })).statusCode).to.equal(401);
    expect((await call('GET', '/v1/workers')).statusCode).to.equal(200);
  });

  it('validates bodies and ids with clear 400s', async () => {
    const noAction = await call('POST', '/v1/workers', { init });
    expect(noAction.statusCode).to.equal(400);
    expect(noAction.json().error).to.match(/action/);
    expect((await call('POST', '/v1/workers', { action: '/guest/a' })).statusCode).to.equal(400);
    expect((await call('POST', '/v1/workers', { action: 'guest/a', extra: 1 })).statusCode).to.equal(400);
    expect((await call('POST', '/v1/workers', { action: 'guest/a', snapshotId: '../../etc' })).statusCode).to.equal(400);
    expect((await call('GET', '/v1/snapshots/..%2F..%2Fetc')).statusCode).to.equal(400);
    expect((await call('DELETE', '/v1/snapshots/snap-0000000000000000')).statusCode).to.equal(404);
    expect((await call('POST', '/v1/workers/wk-nope/run', { value: {} })).statusCode).to.equal(404);
    expect((await call('POST', '/v1/workers', { action: 'guest/a', checkpointAt: -1 })).statusCode).to.equal(400);
    expect((await call('POST', '/v1/workers', { action: 'guest/a', init, prefault: 'yes' })).statusCode).to.equal(400);
    const w = (await call('POST', '/v1/workers', { action: 'guest/a', init })).json();
    expect((await call('POST', `/v1/workers/${w.workerId}/run`, { value: 'not-an-object' })).statusCode).to.equal(400);
    expect((await call('POST', `/v1/workers/${w.workerId}/snapshot`, { at: 'soon' })).statusCode).to.equal(400);
  });

  it('counts request numbers and records lineage while /run runs, replying once it is stored', async () => {
    const created = await call('POST', '/v1/workers', { action: 'guest/a', init });
    expect(created.statusCode).to.equal(201);
    const w = created.json();
    expect(w).to.include({ action: 'guest/a', requestNumber: 0, initialized: true });
    expect(w.origin).to.deep.equal({ kind: 'cold' });
    // A slow store: /run reaches the runtime before the write is done, and the reply waits for the write.
    store.writeMs = 40;
    for (let i = 1; i <= 3; i++) {
      const r = (await call('POST', `/v1/workers/${w.workerId}/run`, { value: { x: i }, activation_id: `act${i}` })).json();
      expect(r).to.include({ requestNumber: i, requestsSinceStart: i, statusCode: 200, activationId: `act${i}`, lineageRecorded: true });
      expect(r.result).to.deep.equal({ n: i, echo: i });
      expect(r.timings.roundTripMs).to.be.a('number');
      expect(store.events.at(-1)).to.equal(`lineage:act${i}`);
    }
    expect(store.events).to.deep.equal(
      [1, 2, 3].flatMap((i) => [`lineage-sent:act${i}`, `run:act${i}`, `lineage:act${i}`]),
    );
    expect(store.lineage[2]).to.include({ workerId: w.workerId, requestNumber: 3, action: 'guest/a' });
  });

  it('runs the activation when the store refuses or never answers the lineage write, and counts it', async () => {
    const w = (await call('POST', '/v1/workers', { action: 'guest/a', init })).json();
    store.down = true;
    const refused = await call('POST', `/v1/workers/${w.workerId}/run`, { value: { x: 1 }, activation_id: 'refused' });
    expect(refused.statusCode).to.equal(200);
    expect(refused.json()).to.include({ requestNumber: 1, statusCode: 200, lineageRecorded: false });
    expect(backend.runsSeen).to.have.length(1);
    expect(backend.runsSeen[0]).to.match(/:refused$/);
    store.down = false;
    store.writeMs = Infinity;
    const t0 = Date.now();
    const hung = (await call('POST', `/v1/workers/${w.workerId}/run`, { value: {}, activation_id: 'hung' })).json();
    expect(hung).to.include({ requestNumber: 2, lineageRecorded: false });
    expect(Date.now() - t0).to.be.within(250, 2000);
    store.writeMs = 0;
    expect((await call('POST', `/v1/workers/${w.workerId}/run`, { value: {} })).json()).to.include({ requestNumber: 3, lineageRecorded: true });
    const metrics = (await call('GET', '/metrics')).body;
    expect(metrics).to.match(/^pronghorn_agent_lineage_failures_total 2$/m);
  });

  it('snapshots now or at request N, restores with the inherited request number, deletes images', async () => {
    const w = (await call('POST', '/v1/workers', { action: 'guest/a', init })).json();
    const sched = await call('POST', `/v1/workers/${w.workerId}/snapshot`, { at: 2 });
    expect(sched.statusCode).to.equal(202);
    expect(sched.json()).to.deep.equal({ scheduledAt: 2 });
    await call('POST', `/v1/workers/${w.workerId}/run`, { value: {} });
    const second = (await call('POST', `/v1/workers/${w.workerId}/run`, { value: {} })).json();
    expect(second.snapshotScheduled).to.equal(true);
    // The next request waits for the dump, so after it the snapshot is registered.
    await call('POST', `/v1/workers/${w.workerId}/run`, { value: {} });
    const list = (await call('GET', '/v1/snapshots?action=guest/a')).json().snapshots;
    expect(list).to.have.length(1);
    expect(list[0]).to.include({ requestNumber: 2, action: 'guest/a', workerId: w.workerId, parentSnapshotId: null, backend: 'fake' });
    const snapDir = path.join(dir, 'data', 'snapshots', list[0].snapshotId);
    expect(fs.statSync(snapDir).mode & 0o777).to.equal(0o700);
    expect(fs.statSync(path.join(snapDir, 'meta.json')).mode & 0o777).to.equal(0o600);
    expect(fs.statSync(path.join(snapDir, 'img', 'state.img')).mode & 0o777).to.equal(0o600);

    expect((await call('POST', `/v1/workers/${w.workerId}/snapshot`, { at: 1 })).statusCode).to.equal(409);
    const now = await call('POST', `/v1/workers/${w.workerId}/snapshot`, {});
    expect(now.statusCode).to.equal(201);
    expect(now.json().snapshot.requestNumber).to.equal(3);

    const restored = await call('POST', '/v1/workers', { action: 'guest/a', snapshotId: list[0].snapshotId, checkpointAt: 5 });
    expect(restored.statusCode).to.equal(201);
    const r = restored.json();
    expect(r).to.include({ requestNumber: 2, checkpointAt: 5, prefaultMs: null });
    expect(r.origin).to.deep.equal({ kind: 'snapshot', snapshotId: list[0].snapshotId, requestNumber: 2 });
    // The fake restore starts an uninitialised runtime: give it the code, then the count goes on at 3.
    expect((await call('POST', `/v1/workers/${r.workerId}/init`, { value: init })).json().statusCode).to.equal(200);
    expect((await call('POST', `/v1/workers/${r.workerId}/run`, { value: {} })).json()).to.include({ requestNumber: 3, requestsSinceStart: 1 });
    expect((await call('GET', `/v1/snapshots/${list[0].snapshotId}`)).json().restores).to.equal(1);
    // A restore ahead of demand can ask the runtime to touch its heap first; the view says how long that took.
    const walked = (await call('POST', '/v1/workers', { action: 'guest/a', snapshotId: list[0].snapshotId, prefault: true })).json();
    expect(walked.prefaultMs).to.be.a('number').and.at.least(0);
    expect((await call('DELETE', `/v1/workers/${walked.workerId}`)).statusCode).to.be.oneOf([200, 204]);
    // Each image carries its line: the cold worker it descends from and the time of each request so far.
    expect(list[0].chain.rootId).to.equal(w.workerId);
    expect(list[0].chain.firstMs).to.have.length(2);
    for (const ms of list[0].chain.firstMs) expect(ms).to.be.a('number').and.at.least(0);
    const child = (await call('POST', `/v1/workers/${r.workerId}/snapshot`, {})).json().snapshot;
    expect(child).to.include({ requestNumber: 3, parentSnapshotId: list[0].snapshotId });
    expect(child.chain.rootId).to.equal(w.workerId);
    expect(child.chain.firstMs.slice(0, 2)).to.deep.equal(list[0].chain.firstMs);
    expect(child.chain.firstMs).to.have.length(3);

    expect((await call('POST', '/v1/workers', { action: 'guest/other', snapshotId: list[0].snapshotId })).json().code).to.equal('snapshot_action_mismatch');
    const changed = await call('POST', '/v1/workers', { action: 'guest/a', snapshotId: list[0].snapshotId, init: { ...init, code: 'function main() { return {}; }' } });
    expect(changed.statusCode).to.equal(409);
    expect(changed.json().code).to.equal('code_changed');

    const del = await call('DELETE', `/v1/snapshots/${list[0].snapshotId}`);
    expect(del.json().bytesFreed).to.equal(list[0].bytes);
    expect(fs.existsSync(snapDir)).to.equal(false);
  });

  it('a failed dump registers nothing and leaves the worker serving', async () => {
    const w = (await call('POST', '/v1/workers', { action: 'guest/a', init })).json();
    backend.failDump = true;
    const r = await call('POST', `/v1/workers/${w.workerId}/snapshot`, {});
    expect(r.statusCode).to.equal(500);
    expect(r.json()).to.include({ code: 'dump_failed' });
    expect(r.json().error).to.match(/induced/);
    expect(fs.readdirSync(path.join(dir, 'data', 'snapshots'))).to.deep.equal([]);
    expect((await call('POST', `/v1/workers/${w.workerId}/run`, { value: {} })).statusCode).to.equal(200);
  });

  it('a failed cold /init reports 502 and removes the worker', async () => {
    const r = await call('POST', '/v1/workers', { action: 'guest/a', init: { ...init, code: 'function main( {' } });
    expect(r.statusCode).to.equal(502);
    expect(r.json().code).to.equal('init_failed');
    expect((await call('GET', '/v1/workers')).json().workers).to.deep.equal([]);
    expect(backend.destroyed).to.have.length(1);
  });

  it('openapi.yaml describes exactly the routes the API serves', async () => {
    const spec = YAML.parse(fs.readFileSync(path.join(__dirname, '../../../src/agent/openapi.yaml'), 'utf8')) as { paths: Record<string, Record<string, unknown>> };
    const documented: string[] = [];
    for (const [p, ops] of Object.entries(spec.paths)) {
      for (const m of Object.keys(ops).filter((k) => ['get', 'post', 'delete'].includes(k))) {
        documented.push(`${m.toUpperCase()} ${p}`);
        const url = p.replace(/\{(\w+)\}/g, ':$1');
        expect(agent.app.hasRoute({ method: m.toUpperCase() as 'GET', url }), `${m} ${p}`).to.equal(true);
      }
    }
    const served = agent.app.printRoutes({ commonPrefix: false }).match(/\((GET|POST|DELETE)[^)]*\)/g) ?? [];
    const count = served.reduce((n, s) => n + s.split(',').filter((m) => /GET|POST|DELETE/.test(m)).length, 0);
    expect(documented.length).to.equal(count);
  });

  it('evicting a worker records its lifetime', async () => {
    const w = (await call('POST', '/v1/workers', { action: 'guest/a', init })).json();
    await call('POST', `/v1/workers/${w.workerId}/run`, { value: {} });
    const gone = await call('DELETE', `/v1/workers/${w.workerId}`);
    expect(gone.json()).to.include({ state: 'dead', requestsSinceStart: 1 });
    expect(store.workers.at(-1)).to.include({ workerId: w.workerId, requestsServed: 1 });
    expect((await call('GET', `/v1/workers/${w.workerId}`)).statusCode).to.equal(404);
  });
});
