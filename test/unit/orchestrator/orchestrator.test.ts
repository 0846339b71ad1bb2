import { expect } from 'chai';
import pino from 'pino';
import { Orchestrator, type OrchestratorOptions } from '../../../src/sidecar/orchestrator';
import { MemoryStateStore } from '../../../src/store/memory';
import { fixedContext, ScriptedAgent, ScriptedPolicy, silentLog } from './fakes';

const fast: OrchestratorOptions = {
  standbys: 0,
  prefaultStandbys: true,
  startRetry: { timeoutMs: 50, retries: 2, baseDelayMs: 1, maxDelayMs: 5 },
  maintenanceRetry: { timeoutMs: 50, retries: 1, baseDelayMs: 1, maxDelayMs: 5 },
};

const action = 'ns/a';

function setup(opts: Partial<OrchestratorOptions> = {}) {
  const store = new MemoryStateStore();
  const agent = new ScriptedAgent();
  const policy = new ScriptedPolicy();
  const orch = new Orchestrator(store, agent, () => policy, fixedContext, silentLog, { ...fast, ...opts });
  return { store, agent, policy, orch };
}

/** Serve one request on a fresh worker and let the orchestrator snapshot it if due. */
async function serveOne(t: ReturnType<typeof setup>) {
  const { worker } = await t.orch.acquire(action);
  const out = await t.agent.run(worker.workerId);
  const snap = await t.orch.afterRequest(worker, out.requestNumber);
  await t.orch.release(worker);
  return { worker, snap };
}

describe('orchestrator', () => {
  it('starts cold on an empty pool and registers the snapshot taken at the checkpoint', async () => {
    const t = setup();
    const { worker, snap } = await serveOne(t);
    expect(worker.kind).to.equal('cold');
    expect(worker.checkpointAt).to.equal(1);
    expect(snap?.requestNumber).to.equal(1);
    const pool = await t.store.listSnapshots(action);
    expect(pool.map((s) => s.snapshotId)).to.deep.equal([snap?.snapshotId]);
    expect(t.agent.stopped).to.deep.equal([worker.workerId]);
  });

  it('restores the next worker from the pool, which continues at the snapshot request number', async () => {
    const t = setup();
    await serveOne(t);
    const { worker, snap } = await serveOne(t);
    expect(worker.kind).to.equal('restore');
    expect(worker.requestNumber).to.equal(1);
    expect(snap?.requestNumber).to.equal(2);
    expect(t.orch.counters).to.include({ coldStarts: 1, restores: 1, snapshots: 2, fallbacks: 0 });
  });

  it('retries a failed restore and succeeds without falling back', async () => {
    const t = setup();
    await serveOne(t);
    t.agent.restoreScript = ['fail'];
    const { worker } = await t.orch.acquire(action);
    expect(worker.kind).to.equal('restore');
    expect(t.agent.calls.filter((c) => c.startsWith('restore')).length).to.equal(2);
    expect(t.orch.counters.fallbacks).to.equal(0);
  });

  it('falls back to a cold start when every restore attempt fails, without a checkpoint plan', async () => {
    const t = setup();
    await serveOne(t);
    t.agent.restoreScript = ['fail', 'fail', 'fail'];
    const { worker } = await t.orch.acquire(action);
    expect(worker.kind).to.equal('cold');
    expect(worker.fellBack).to.equal(true);
    expect(worker.checkpointAt).to.equal(null);
    expect(t.orch.counters.fallbacks).to.equal(1);
    const kinds = (await t.store.listDecisions(action, 10)).map((d) => d.kind);
    expect(kinds).to.include('fallback-cold');
  });

  it('times out a restore that never answers and falls back to a cold start', async () => {
    const t = setup();
    await serveOne(t);
    t.agent.restoreScript = ['hang', 'hang', 'hang'];
    const { worker } = await t.orch.acquire(action);
    expect(worker.kind).to.equal('cold');
    expect(t.agent.calls.filter((c) => c.startsWith('restore')).length).to.equal(3);
  });

  it('rejects when even the cold start fails on every attempt', async () => {
    const t = setup();
    t.agent.coldScript = ['fail', 'fail', 'fail'];
    let error: unknown;
    await t.orch.acquire(action).catch((e: unknown) => (error = e));
    expect(String(error)).to.match(/scripted failure/);
  });

  it('survives a failed snapshot: no pool entry, no exception', async () => {
    const t = setup();
    t.agent.snapshotScript = ['fail', 'fail'];
    const { snap } = await serveOne(t);
    expect(snap).to.equal(null);
    expect(await t.store.listSnapshots(action)).to.have.length(0);
    expect(t.orch.counters.snapshotFailures).to.equal(1);
  });

  it('deletes a snapshot the policy does not admit', async () => {
    const t = setup();
    t.policy.admit = false;
    const { snap } = await serveOne(t);
    expect(snap).to.equal(null);
    expect(t.agent.deleted).to.have.length(1);
    expect(await t.store.listSnapshots(action)).to.have.length(0);
  });

  it('prunes through the agent and keeps going when the delete fails', async () => {
    const t = setup();
    const first = await serveOne(t);
    const id = first.snap?.snapshotId as string;
    t.policy.pruneIds = [id, id];
    t.agent.deleteScript = ['fail', 'fail'];
    const { worker } = await t.orch.acquire(action);
    expect(worker.kind).to.equal('cold');
    expect(await t.store.listSnapshots(action)).to.have.length(0);
    expect(t.orch.counters).to.include({ pruned: 1, deleteFailures: 1 });
  });

  it('keeps a hot stand-by ready, so a later request does not wait for the start', async () => {
    const t = setup({ standbys: 1 });
    t.orch.prepare(action);
    await new Promise((r) => setTimeout(r, 20));
    const first = await t.orch.acquire(action);
    expect(first.fromStandby).to.equal(true);
    expect(first.waitedMs).to.equal(0);
    const out = await t.agent.run(first.worker.workerId);
    await t.orch.afterRequest(first.worker, out.requestNumber);
    await t.orch.release(first.worker);
    await new Promise((r) => setTimeout(r, 20));
    const second = await t.orch.acquire(action);
    // The replacement was provisioned after the snapshot joined the pool, so it is a restore.
    expect(second.worker.kind).to.equal('restore');
    expect(second.waitedMs).to.equal(0);
    await t.orch.release(second.worker);
    await t.orch.close();
    expect(t.agent.stopped).to.include(first.worker.workerId);
    expect(t.agent.stopped.length).to.equal(3);
  });

  it('asks for a heap prefault when restoring a stand-by, never for a worker a request waits for', async () => {
    const t = setup({ standbys: 1 });
    t.orch.prepare(action);
    await t.orch.whenIdle();
    const first = await t.orch.acquire(action);
    const out = await t.agent.run(first.worker.workerId);
    await t.orch.afterRequest(first.worker, out.requestNumber);
    await t.orch.release(first.worker);
    await t.orch.whenIdle();
    const standby = await t.orch.acquire(action);
    expect(standby.fromStandby).to.equal(true);
    expect(standby.worker.kind).to.equal('restore');
    const restores = t.agent.calls.filter((c) => c.startsWith('restore'));
    expect(restores).to.have.length.greaterThan(0);
    expect(restores.every((c) => c.endsWith(':prefault'))).to.equal(true);
    await t.orch.release(standby.worker);
    await t.orch.close();

    const onDemand = setup({ standbys: 0 });
    await serveOne(onDemand);
    const { worker } = await onDemand.orch.acquire(action);
    expect(worker.kind).to.equal('restore');
    expect(onDemand.agent.calls.filter((c) => c.startsWith('restore'))).to.deep.equal([`restore:${worker.snapshot?.snapshotId}`]);
    await onDemand.orch.release(worker);

    const off = setup({ standbys: 1, prefaultStandbys: false });
    off.orch.prepare(action);
    await off.orch.whenIdle();
    const a = await off.orch.acquire(action);
    await off.orch.afterRequest(a.worker, (await off.agent.run(a.worker.workerId)).requestNumber);
    await off.orch.release(a.worker);
    await off.orch.whenIdle();
    const b = await off.orch.acquire(action);
    expect(b.worker.kind).to.equal('restore');
    expect(off.agent.calls.filter((c) => c.startsWith('restore')).some((c) => c.endsWith(':prefault'))).to.equal(false);
    await off.orch.release(b.worker);
    await off.orch.close();
  });

  it('restores stand-bys without the prefault while requests find them still starting', async () => {
    const t = setup({ standbys: 1 });
    const restoreCalls = () => t.agent.calls.filter((c) => c.startsWith('restore'));
    // Request 1 takes the first (cold) stand-by while it is still starting.
    t.orch.prepare(action);
    const first = await t.orch.acquire(action);
    expect(first.fromStandby).to.equal(true);
    expect(first.waitedMs).to.be.greaterThan(0);
    await t.orch.afterRequest(first.worker, (await t.agent.run(first.worker.workerId)).requestNumber);
    await t.orch.release(first.worker);
    await t.orch.whenIdle();
    expect(restoreCalls()).to.have.length(1);
    expect(restoreCalls()[0].endsWith(':prefault')).to.equal(false);
    // Request 2 finds its stand-by ready: the next one walks its heap again.
    const second = await t.orch.acquire(action);
    expect(second.waitedMs).to.equal(0);
    await t.orch.afterRequest(second.worker, (await t.agent.run(second.worker.workerId)).requestNumber);
    await t.orch.release(second.worker);
    await t.orch.whenIdle();
    expect(restoreCalls()).to.have.length(2);
    expect(restoreCalls()[1].endsWith(':prefault')).to.equal(true);
    await t.orch.close();
  });

  it('logs a stand-by that cannot start as an error, but not one abandoned because it is stopping', async () => {
    const lines: { level: number; msg: string }[] = [];
    const log = pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l) as { level: number; msg: string }) });
    const failing = new Orchestrator(new MemoryStateStore(), Object.assign(new ScriptedAgent(), { coldScript: ['fail', 'fail', 'fail'] }), () => new ScriptedPolicy(), fixedContext, log, { ...fast, standbys: 1 });
    failing.prepare(action);
    await failing.whenIdle();
    expect(lines.filter((l) => l.level >= 50).map((l) => l.msg)).to.deep.equal(['stand-by could not be started']);
    await failing.close();

    lines.length = 0;
    const stopping = new Orchestrator(new MemoryStateStore(), Object.assign(new ScriptedAgent(), { coldScript: ['hang', 'hang', 'hang'] }), () => new ScriptedPolicy(), fixedContext, log, { ...fast, standbys: 1 });
    stopping.prepare(action);
    await stopping.close(); // the start times out and fails after close
    expect(lines.filter((l) => l.level >= 50)).to.deep.equal([]);
    expect(lines.map((l) => l.msg)).to.include('stand-by start abandoned: stopping');
  });

  it('snapshots right after start when checkpointAt equals the starting request number', async () => {
    const t = setup();
    t.policy.checkpointDelta = 0;
    const { worker } = await t.orch.acquire(action);
    const pool = await t.store.listSnapshots(action);
    expect(pool.map((s) => s.requestNumber)).to.deep.equal([0]);
    expect(t.agent.calls).to.include(`snapshot:${worker.workerId}`);
  });

  it('starts cold without a plan when the policy throws, instead of failing the activation', async () => {
    const t = setup();
    t.policy.chooseStart = () => {
      throw new Error('policy bug');
    };
    const { worker } = await t.orch.acquire(action);
    expect(worker.kind).to.equal('cold');
    expect(worker.checkpointAt).to.equal(null);
    expect(t.orch.counters.fallbacks).to.equal(1);
  });
});
