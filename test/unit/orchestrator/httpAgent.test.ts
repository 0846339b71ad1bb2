/** The HTTP agent adapter's error paths: classification, retries, fallback to cold, clean-up. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { AxiosError } from 'axios';
import { AgentClient, AgentClientError } from '../../../src/agent/client';
import type { WorkerView } from '../../../src/agent/core';
import type { SnapshotMeta } from '../../../src/agent/snapshots';
import { createPolicy } from '../../../src/policy';
import { UnknownActionCodeError } from '../../../src/sidecar/orchestration/api';
import { AgentCallError, classifyAgentError, HttpAgent, type AgentApi } from '../../../src/sidecar/orchestration/httpAgent';
import { Orchestrator, type OrchestratorOptions } from '../../../src/sidecar/orchestrator';
import type { SnapshotRecord } from '../../../src/store/types';
import { MemoryStateStore } from '../../../src/store/memory';
import { fixedContext, silentLog } from './fakes';

const action = 'ns/a';
const init = { name: 'a', main: 'main', code: 'function main() { return {}; }', binary: false, env: {} };
const fast: OrchestratorOptions = {
  standbys: 0,
  prefaultStandbys: true,
  startRetry: { timeoutMs: 200, retries: 2, baseDelayMs: 1, maxDelayMs: 5 },
  maintenanceRetry: { timeoutMs: 200, retries: 2, baseDelayMs: 1, maxDelayMs: 5 },
};

const networkError = () => new AxiosError('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED');
const answer = (status: number, code: string) => new AgentClientError(`agent POST /v1/workers: ${code}`, status, code);

/** AgentApi whose calls follow a script: an error to throw, 'hang' (answer late), or undefined (succeed). */
class StubApi implements AgentApi {
  creates: Array<{ snapshotId?: string }> = [];
  createScript: Array<Error | 'late' | undefined> = [];
  deleteSnapshotScript: Array<Error | undefined> = [];
  deleteWorkerScript: Array<Error | undefined> = [];
  deletedWorkers: string[] = [];
  deletedSnapshots: string[] = [];
  private seq = 0;

  async createWorker(req: { action: string; snapshotId?: string }): Promise<WorkerView> {
    this.creates.push({ snapshotId: req.snapshotId });
    const workerId = `wk-${++this.seq}`;
    const step = this.createScript.shift();
    if (step instanceof Error) throw step;
    if (step === 'late') await new Promise((r) => setTimeout(r, 300));
    const fromSnap = req.snapshotId !== undefined;
    return {
      workerId,
      action: req.action,
      origin: fromSnap ? { kind: 'snapshot', snapshotId: req.snapshotId!, requestNumber: 1 } : { kind: 'cold' },
      requestNumber: fromSnap ? 1 : 0,
      startMs: 10,
    } as WorkerView;
  }

  async run(): Promise<never> {
    throw networkError();
  }

  async snapshot(workerId: string): Promise<{ snapshot?: SnapshotMeta }> {
    return {
      snapshot: { snapshotId: `snap-${workerId}`, action, node: 'n', requestNumber: 1, bytes: 10, dumpMs: 5, restoreMs: 0, createdAt: 1, parentSnapshotId: null } as SnapshotMeta,
    };
  }

  async deleteSnapshot(snapshotId: string): Promise<{ snapshotId: string; bytesFreed: number }> {
    const step = this.deleteSnapshotScript.shift();
    if (step) throw step;
    this.deletedSnapshots.push(snapshotId);
    return { snapshotId, bytesFreed: 10 };
  }

  async deleteWorker(workerId: string): Promise<WorkerView> {
    const step = this.deleteWorkerScript.shift();
    if (step) throw step;
    this.deletedWorkers.push(workerId);
    return {} as WorkerView;
  }
}

function setup() {
  const api = new StubApi();
  const agent = new HttpAgent(api, async () => init);
  const store = new MemoryStateStore();
  const policy = createPolicy('fixed:1');
  const orch = new Orchestrator(store, agent, () => policy, fixedContext, silentLog, fast);
  return { api, agent, store, orch };
}

const snap: SnapshotRecord = { snapshotId: 'snap-old', action, node: 'n', requestNumber: 1, bytes: 10, dumpMs: 5, restoreMs: 0, createdAt: 1, parentSnapshotId: null };

describe('HTTP agent adapter', () => {
  it('classifies agent answers: 4xx and unusable snapshots are final, 5xx, 409 snapshot_in_use and network errors are retried', () => {
    expect(classifyAgentError('x', answer(404, 'snapshot_not_found'))).to.include({ status: 404, retryable: false });
    expect(classifyAgentError('x', answer(409, 'code_changed'))).to.include({ retryable: false });
    expect(classifyAgentError('x', answer(500, 'snapshot_damaged'))).to.include({ retryable: false });
    expect(classifyAgentError('x', answer(400, 'bad_request'))).to.include({ retryable: false });
    expect(classifyAgentError('x', answer(500, 'restore_failed'))).to.include({ retryable: true });
    expect(classifyAgentError('x', answer(503, 'unavailable'))).to.include({ retryable: true });
    expect(classifyAgentError('x', answer(409, 'snapshot_in_use'))).to.include({ retryable: true });
    expect(classifyAgentError('x', networkError())).to.include({ status: 0, code: 'network', retryable: true });
    expect(classifyAgentError('x', new AxiosError('timeout of 5ms exceeded', 'ECONNABORTED'))).to.include({ code: 'timeout', retryable: true });
  });

  it('falls back to a cold start at once when the snapshot is gone, and takes it out of the pool', async () => {
    const t = setup();
    await t.store.addSnapshot(snap);
    t.api.createScript = [answer(404, 'snapshot_not_found')];
    const { worker } = await t.orch.acquire(action);
    expect(worker.kind).to.equal('cold');
    expect(worker.fellBack).to.equal(true);
    expect(worker.checkpointAt).to.equal(null);
    // One restore attempt (not retried), then the cold start.
    expect(t.api.creates).to.deep.equal([{ snapshotId: 'snap-old' }, { snapshotId: undefined }]);
    expect(await t.store.listSnapshots(action)).to.deep.equal([]);
    expect(t.orch.counters).to.include({ fallbacks: 1, coldStarts: 1, pruned: 1 });
  });

  it('retries a restore that failed with 5xx or a network error, and falls back only after the last retry', async () => {
    const t = setup();
    await t.store.addSnapshot(snap);
    t.api.createScript = [answer(500, 'restore_failed'), networkError()];
    const first = await t.orch.acquire(action);
    expect(first.worker.kind).to.equal('restore');
    expect(t.api.creates.length).to.equal(3);

    t.api.creates = [];
    t.api.createScript = [answer(500, 'restore_failed'), answer(500, 'restore_failed'), networkError()];
    const second = await t.orch.acquire(action);
    expect(second.worker.kind).to.equal('cold');
    expect(second.worker.fellBack).to.equal(true);
    expect(t.api.creates.map((c) => c.snapshotId)).to.deep.equal(['snap-old', 'snap-old', 'snap-old', undefined]);
    // A failed restore (not a missing image) leaves the snapshot in the pool.
    expect((await t.store.listSnapshots(action)).length).to.equal(1);
  });

  it('stops a worker whose start answered after the call timed out', async () => {
    const t = setup();
    t.api.createScript = ['late'];
    const { worker } = await t.orch.acquire(action);
    expect(worker.kind).to.equal('cold');
    await new Promise((r) => setTimeout(r, 400));
    // The late worker (wk-1) was stopped; the retry's worker (wk-2) is the one handed out.
    expect(t.api.deletedWorkers).to.deep.equal(['wk-1']);
    expect(worker.workerId).to.equal('wk-2');
  });

  it('treats 404 on delete and stop as done, and retries a snapshot in use', async () => {
    const t = setup();
    t.api.deleteSnapshotScript = [answer(404, 'snapshot_not_found')];
    await t.agent.deleteSnapshot(action, 'snap-x');
    t.api.deleteWorkerScript = [answer(404, 'worker_not_found')];
    await t.agent.stopWorker('wk-9');

    const { worker } = await t.orch.acquire(action);
    t.api.deleteSnapshotScript = [answer(409, 'snapshot_in_use')];
    // fixed:1 already holds a snapshot at 1, so it rejects the new one, whose first delete meets a restore in progress.
    await t.store.addSnapshot(snap);
    const taken = await t.orch.afterRequest(worker, 1);
    expect(taken).to.equal(null);
    expect(t.api.deleteSnapshotScript).to.deep.equal([]);
    expect(t.api.deletedSnapshots).to.deep.equal([`snap-${worker.workerId}`]);
    expect(t.orch.counters.deleteFailures).to.equal(0);
  });

  it('does not retry a cold start whose code is unknown', async () => {
    const api = new StubApi();
    const agent = new HttpAgent(api, async (a) => {
      throw new UnknownActionCodeError(a);
    });
    const orch = new Orchestrator(new MemoryStateStore(), agent, () => createPolicy('cold'), fixedContext, silentLog, fast);
    let failed: unknown;
    await orch.acquire(action).catch((e: unknown) => (failed = e));
    expect(failed).to.be.instanceOf(UnknownActionCodeError);
    expect(api.creates.length).to.equal(0);
  });

  it('maps the real client\'s errors: an agent error answer and a refused connection', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'criu restore failed (induced)', code: 'restore_failed' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const agent = new HttpAgent(new AgentClient({ baseUrl: `http://127.0.0.1:${port}`, token: 't'.repeat(16), retries: 0 }), async () => init);
      const err = await agent.restore(action, snap, new AbortController().signal).then(() => null, (e: unknown) => e);
      expect(err).to.be.instanceOf(AgentCallError);
      expect(err).to.include({ status: 500, code: 'restore_failed', retryable: true });
    } finally {
      await new Promise((r) => server.close(r));
    }
    const refused = new HttpAgent(new AgentClient({ baseUrl: `http://127.0.0.1:${port}`, token: 't'.repeat(16), retries: 0 }), async () => init);
    const err = await refused.startCold(action, new AbortController().signal).then(() => null, (e: unknown) => e);
    expect(err).to.be.instanceOf(AgentCallError);
    expect(err).to.include({ status: 0, code: 'network', retryable: true });
  });
});
