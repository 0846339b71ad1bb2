import { expect } from 'chai';
import type { ActivationEventMessage } from '../../../src/bench/activationEvent';
import { evictAfterRequests, evictWhenIdle } from '../../../src/bench/eviction';
import { LocalInvoker } from '../../../src/bench/localInvoker';
import { runBench } from '../../../src/bench/runner';
import { Orchestrator, defaultOrchestratorOptions } from '../../../src/sidecar/orchestrator';
import { MemoryStateStore } from '../../../src/store/memory';
import { fixedContext, ScriptedAgent, ScriptedPolicy, silentLog } from '../orchestrator/fakes';

const action = 'ns/a';

function setup(eviction = evictAfterRequests(2)) {
  const store = new MemoryStateStore();
  const agent = new ScriptedAgent();
  const policy = new ScriptedPolicy();
  const orch = new Orchestrator(store, agent, () => policy, fixedContext, silentLog, { ...defaultOrchestratorOptions, standbys: 0 });
  const events: ActivationEventMessage[] = [];
  const invoker = new LocalInvoker(orch, agent, { publish: async (m) => void events.push(m) }, { eviction }, silentLog);
  return { store, agent, policy, orch, events, invoker };
}

describe('local invoker', () => {
  it('publishes one event per activation; only a cold worker\'s first carries initTime', async () => {
    const t = setup();
    t.policy.checkpointDelta = null;
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await t.invoker.invoke(action, {}));
    expect(t.events).to.have.length(4);
    expect(t.events.map((e) => e.body.activationId)).to.deep.equal(results.map((r) => r.activationId));
    expect(t.events.map((e) => e.body.initTime)).to.deep.equal([20, 0, 20, 0]);
    expect(results.map((r) => r.start)).to.deep.equal(['cold', 'warm', 'cold', 'warm']);
    for (const e of t.events) expect(e.body.duration).to.be.at.least(e.body.initTime);
  });

  it('evicts after E requests, and a restored worker continues at its snapshot request number', async () => {
    const t = setup(evictAfterRequests(2));
    const r = [];
    for (let i = 0; i < 6; i++) r.push(await t.invoker.invoke(action, {}));
    // Worker 1 cold: n = 1, 2 (snapshot at 1). Worker 2 restored at 1: n = 2, 3 (snapshot at 2). Worker 3 at 2: n = 3, 4.
    expect(r.map((x) => x.requestNumber)).to.deep.equal([1, 2, 2, 3, 3, 4]);
    expect(r.map((x) => x.start)).to.deep.equal(['cold', 'warm', 'restore', 'warm', 'restore', 'warm']);
    expect(t.invoker.restoredAt.get(action)).to.deep.equal([2, 3]);
    expect(t.agent.stopped).to.have.length(3);
  });

  it('evicts by idle time before the next request', async () => {
    const t = setup(evictWhenIdle(30));
    t.policy.checkpointDelta = null;
    await t.invoker.invoke(action, {});
    await t.invoker.invoke(action, {});
    await new Promise((r) => setTimeout(r, 40));
    const third = await t.invoker.invoke(action, {});
    expect(third.start).to.equal('cold');
    expect(t.agent.stopped).to.have.length(1);
  });

  it('runs a small bench matrix and reports every cell', async () => {
    const store = new MemoryStateStore();
    const agent = new ScriptedAgent();
    const published: ActivationEventMessage[] = [];
    const results = await runBench(
      {
        store,
        agent,
        events: { publish: async (m) => void published.push(m) },
        deploy: async () => undefined,
        paramsFor: (_a, i) => ({ i }),
        eventsVia: 'test',
        storeName: 'memory',
      },
      { actions: ['x'], policies: ['cold', 'fixed:1'], evictions: [evictAfterRequests(1), evictAfterRequests(4)], requests: 8, seed: 1, standbys: 1, prefaultStandbys: true, quick: true, namespace: 'test', ingestWaitMs: 0, settle: true },
      silentLog,
    );
    expect(results.cells.map((c) => `${c.policy} ${c.eviction} ${c.samples.length}`)).to.deep.equal(['cold E=1 8', 'fixed:1 E=1 8', 'cold E=4 8', 'fixed:1 E=4 8']);
    expect(published).to.have.length(32);
    const fixed1 = results.cells[1];
    expect(fixed1.snapshots).to.equal(1);
    expect(fixed1.restores).to.be.greaterThan(0);
    expect(results.cells[0].snapshots).to.equal(0);
    expect(results.summary[1].improvementPct).to.equal(null);
    expect(results.summary[0].improvementPct).to.be.a('number');
  });
});
