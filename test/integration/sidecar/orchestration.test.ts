/**
 * `pronghorn sidecar` orchestrating a real agent: the criu agent over HTTP on 127.0.0.1, the sidecar
 * in-process with real Kafka and real Redis. Activations run through the agent (which writes lineage to
 * Redis) and their EventMessages go to Kafka; the worker reaching its checkpoint is dumped, the
 * snapshot lands in the Redis pool, and the next worker (a hot stand-by) is restored from it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import axios, { type AxiosInstance } from 'axios';
import { expect } from 'chai';
import { createAgent, createCriuBackend, type Agent } from '../../../src/agent';
import { buildActivationEvent } from '../../../src/bench/activationEvent';
import { KafkaEventSink } from '../../../src/bench/kafkaEvents';
import { logger } from '../../../src/log/logger';
import { ActionSettingsSource } from '../../../src/openwhisk/actions';
import { startSidecar, storeFromSettings, type RunningSidecar } from '../../../src/sidecar/main';
import { orchestratorHookFromSettings } from '../../../src/sidecar/orchestration/hook';
import { orchestratorSettings } from '../../../src/sidecar/orchestration/settings';
import { sidecarSettings } from '../../../src/sidecar/settings';
import type { StateStore } from '../../../src/store/types';
import { criuBin, kafkaBrokers, redisUrl, testPrefix } from '../../support/env';
import { until } from '../../support/wait';

const TOKEN = 'orchestration-test-token-0123456789';
const ACTION = 'guest/demo/counter';
/** Counts its activations in module state: a restored worker must carry the count on. */
const init = { name: 'counter', main: 'main', code: 'let served = 0;\nfunction main() { served++; return { served }; }', binary: false, env: {} };

describe('sidecar orchestrating a real agent (Kafka, Redis, CRIU)', function () {
  this.timeout(90_000);
  let dataDir = '';
  let agent: Agent | undefined;
  let agentStore: StateStore | undefined;
  let sidecar: RunningSidecar | undefined;
  let events: KafkaEventSink | undefined;

  before(function () {
    if (process.getuid?.() !== 0) this.skip();
  });

  after(async () => {
    await sidecar?.stop();
    await events?.close();
    await agent?.close();
    await agentStore?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('snapshots at the checkpoint, registers it in the Redis pool, and restores the next worker from it', async () => {
    const prefix = testPrefix('sidecar-orch');
    const settings = sidecarSettings.load(
      { kafkaBrokers: kafkaBrokers().join(','), eventsTopic: `${prefix}events`, dlqTopic: `${prefix}dlq`, groupId: `${prefix}group`, redisUrl: redisUrl(), redisPrefix: prefix, listen: '127.0.0.1:0', sessionTimeoutMs: 6000 },
      {},
    );
    const log = logger('orchestration-test');

    // The agent, with its lineage going to the same Redis keys the sidecar reads.
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pronghorn-orch-test-'));
    agentStore = storeFromSettings(settings);
    const backend = createCriuBackend({ dataDir, criuBin: criuBin(), standby: 1, criuTimeoutMs: 10_000, log });
    agent = await createAgent({ store: agentStore, dataDir, token: TOKEN, backend, log });
    const agentUrl = await agent.listen('127.0.0.1:0');

    events = await KafkaEventSink.connect(kafkaBrokers(), `${prefix}events`, 'orchestration-test');
    const hook = orchestratorHookFromSettings(orchestratorSettings.load({ agentUrl, standbys: 1 }, {}), TOKEN);
    expect(hook).to.not.equal(undefined);
    // Every action opted in with fixed:2 (snapshot after the second request), as annotations would say.
    const actionSettings = new ActionSettingsSource({ ttlMs: 60_000, errorTtlMs: 1_000, defaults: { enabled: true, policy: 'fixed:2' } }, log);
    sidecar = await startSidecar({ settings, actionSettings, orchestrator: hook, log });
    const api: AxiosInstance = axios.create({ baseURL: sidecar.url!, headers: { Authorization: `Bearer ${TOKEN}` }, validateStatus: () => true });
    const agentApi: AxiosInstance = axios.create({ baseURL: agentUrl, headers: { Authorization: `Bearer ${TOKEN}` } });

    expect((await axios.post(`${sidecar.url}/v1/decisions/start`, { action: ACTION }, { validateStatus: () => true })).status).to.equal(401);
    expect((await api.post('/v1/decisions/start', { action: 'no-namespace' })).status).to.equal(400);
    const firstDecision = await api.post('/v1/decisions/start', { action: ACTION });
    expect(firstDecision.data).to.deep.include({ source: { kind: 'cold' }, checkpointAt: 2, policy: 'fixed:2' });

    // The invoker's part: a worker from the sidecar, activations on the agent, events to Kafka.
    const acquired = await api.post('/v1/workers', { action: ACTION, init });
    expect(acquired.status, JSON.stringify(acquired.data)).to.equal(201);
    const cold = acquired.data.worker;
    expect(cold).to.include({ kind: 'cold', checkpointAt: 2, requestNumber: 0 });
    const snapshots: unknown[] = [];
    for (let i = 1; i <= 3; i++) {
      const activationId = `${prefix.replace(/[^0-9a-f]/g, '')}${i}`.padStart(32, '0').slice(-32);
      const run = (await agentApi.post(`/v1/workers/${cold.workerId}/run`, { value: {}, activation_id: activationId })).data;
      expect(run).to.deep.include({ requestNumber: i, result: { served: i } });
      await events.publish(
        buildActivationEvent({ action: ACTION, activationId, statusCode: 0, initMs: i === 1 ? cold.startMs : 0, runMs: run.timings.roundTripMs, waitMs: 0, memoryMb: 256, timestamp: Date.now() }),
      );
      const after = await api.post(`/v1/workers/${cold.workerId}/requests`, { requestNumber: run.requestNumber });
      expect(after.status).to.equal(200);
      snapshots.push(after.data.snapshot);
    }
    expect(snapshots[0]).to.equal(null);
    expect(snapshots[1]).to.deep.include({ action: ACTION, requestNumber: 2 });
    expect(snapshots[2]).to.equal(null);
    const snapshotId = (snapshots[1] as { snapshotId: string }).snapshotId;

    // Registered in the Redis pool, and the events were learned (joined with the agent's lineage).
    const store = sidecar.store;
    expect((await store.getActionState(ACTION)).pool.map((s) => s.snapshotId)).to.deep.equal([snapshotId]);
    await until('the three events to be ingested', 30_000, async () => (await store.getActionState(ACTION)).stats.activations === 3);
    expect((await store.getActionState(ACTION)).stats).to.include({ coldStarts: 1, withLineage: 3 });

    // Eviction: the worker is stopped and a stand-by is restored ahead of the next request.
    expect((await api.delete(`/v1/workers/${cold.workerId}`)).status).to.equal(200);
    const decision = await api.post('/v1/decisions/start', { action: ACTION });
    expect(decision.data.source).to.deep.equal({ kind: 'snapshot', snapshotId, requestNumber: 2 });

    const next = await api.post('/v1/workers', { action: ACTION });
    expect(next.status, JSON.stringify(next.data)).to.equal(201);
    expect(next.data.fromStandby).to.equal(true);
    expect(next.data.worker).to.include({ kind: 'restore', snapshotId, requestNumber: 2, fellBack: false });
    const run = (await agentApi.post(`/v1/workers/${next.data.worker.workerId}/run`, { value: {} })).data;
    // 3, not 1: the action's memory came back from the snapshot.
    expect(run).to.deep.include({ requestNumber: 3, result: { served: 3 } });
    expect(hook!.counters).to.include({ coldStarts: 1, restores: 1, snapshots: 1, fallbacks: 0 });
    expect((await api.delete(`/v1/workers/${next.data.worker.workerId}`)).status).to.equal(200);
  });
});
