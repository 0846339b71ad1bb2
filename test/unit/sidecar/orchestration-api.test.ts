/** The sidecar's orchestration API: auth, validation, the decision endpoint's cold fallback, its OpenAPI file. */
import fs from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { expect } from 'chai';
import YAML from 'yaml';
import pino from 'pino';
import { ActionSettingsSource } from '../../../src/openwhisk/actions';
import type { SidecarContext } from '../../../src/sidecar/main';
import { OrchestratorHook } from '../../../src/sidecar/orchestration/hook';
import { defaultOrchestratorOptions } from '../../../src/sidecar/orchestrator';
import { MemoryStateStore } from '../../../src/store/memory';
import type { SnapshotRecord } from '../../../src/store/types';

const TOKEN = 'unit-test-token-0123456789';
const action = 'guest/pkg/a';
const log = pino({ level: 'silent' });
const auth = { authorization: `Bearer ${TOKEN}` };
const snap: SnapshotRecord = { snapshotId: 'snap-a1', action, node: 'n', requestNumber: 1, bytes: 10, dumpMs: 5, restoreMs: 0, createdAt: 1, parentSnapshotId: null };

describe('sidecar orchestration API', () => {
  let app: FastifyInstance;
  let hook: OrchestratorHook;
  let store: MemoryStateStore;

  beforeEach(async () => {
    store = new MemoryStateStore();
    // The agent is never reached by these tests: every call through it fails.
    const unreachable = async () => {
      throw new Error('agent unreachable (test)');
    };
    const client = { createWorker: unreachable, run: unreachable, snapshot: unreachable, deleteSnapshot: unreachable, deleteWorker: unreachable };
    hook = new OrchestratorHook({ client, token: TOKEN, options: { ...defaultOrchestratorOptions, standbys: 0 }, seed: 1 });
    app = Fastify();
    hook.routes(app);
    await app.ready();
  });

  afterEach(async () => {
    await hook.stop();
    await app.close();
  });

  function start(policy = 'fixed:1') {
    const actionSettings = new ActionSettingsSource({ ttlMs: 60_000, errorTtlMs: 1_000, defaults: { enabled: true, policy } }, log);
    hook.start({ store, actionSettings, log } as unknown as SidecarContext);
  }

  it('answers 401 without the token and 503 before the orchestrator runs', async () => {
    expect((await app.inject({ method: 'POST', url: '/v1/decisions/start', payload: { action } })).statusCode).to.equal(401);
    expect((await app.inject({ method: 'POST', url: '/v1/decisions/start', payload: { action }, headers: { authorization: 'Bearer wrong' } })).statusCode).to.equal(401);
    const early = await app.inject({ method: 'POST', url: '/v1/decisions/start', payload: { action }, headers: auth });
    expect(early.statusCode).to.equal(503);
    expect(early.json()).to.include({ code: 'unavailable' });
  });

  it('rejects invalid bodies with every problem listed, and counts them', async () => {
    start();
    const r = await app.inject({ method: 'POST', url: '/v1/decisions/start', payload: { action: 'a', extra: 1 }, headers: auth });
    expect(r.statusCode).to.equal(400);
    expect(r.json().code).to.equal('bad_request');
    expect(r.json().error).to.match(/^2 problems/);
    const bad = await app.inject({ method: 'POST', url: '/v1/workers/wk-1/requests', payload: { requestNumber: -1 }, headers: auth });
    expect(bad.statusCode).to.equal(400);
    expect(hook.rejected).to.equal(2);
  });

  it('decides from the pool: cold on an empty pool, then the snapshot the policy chooses', async () => {
    start('fixed:1');
    const first = (await app.inject({ method: 'POST', url: '/v1/decisions/start', payload: { action }, headers: auth })).json();
    expect(first).to.deep.include({ action, policy: 'fixed:1', source: { kind: 'cold' }, checkpointAt: 1 });
    await store.addSnapshot(snap);
    const second = (await app.inject({ method: 'POST', url: '/v1/decisions/start', payload: { action }, headers: auth })).json();
    expect(second.source).to.deep.equal({ kind: 'snapshot', snapshotId: 'snap-a1', requestNumber: 1 });
  });

  it('answers a cold start when the store fails, and 502 / 409 / 404 on the worker routes', async () => {
    start();
    store.getActionState = async () => {
      throw new Error('store down (test)');
    };
    const r = await app.inject({ method: 'POST', url: '/v1/decisions/start', payload: { action }, headers: auth });
    expect(r.statusCode).to.equal(200);
    expect(r.json()).to.deep.include({ source: { kind: 'cold' }, checkpointAt: null });
    expect(r.json().reason).to.match(/store down/);

    const unknownCode = await app.inject({ method: 'POST', url: '/v1/workers', payload: { action }, headers: auth });
    expect(unknownCode.statusCode).to.equal(409);
    expect(unknownCode.json().code).to.equal('init_unknown');
    const agentDown = await app.inject({ method: 'POST', url: '/v1/workers', payload: { action, init: { code: 'x' } }, headers: auth });
    expect(agentDown.statusCode).to.equal(502);
    expect(agentDown.json().code).to.equal('agent_failed');
    expect((await app.inject({ method: 'DELETE', url: '/v1/workers/wk-nope', headers: auth })).statusCode).to.equal(404);
    expect((await app.inject({ method: 'POST', url: '/v1/workers/wk-nope/requests', payload: { requestNumber: 1 }, headers: auth })).statusCode).to.equal(404);
  });

  it('openapi.yaml describes exactly the routes the API serves', () => {
    const spec = YAML.parse(fs.readFileSync(path.join(__dirname, '../../../src/sidecar/orchestration/openapi.yaml'), 'utf8')) as { paths: Record<string, Record<string, unknown>> };
    let documented = 0;
    for (const [p, ops] of Object.entries(spec.paths)) {
      for (const m of Object.keys(ops).filter((k) => ['get', 'post', 'delete'].includes(k))) {
        documented++;
        expect(app.hasRoute({ method: m.toUpperCase() as 'GET', url: p.replace(/\{(\w+)\}/g, ':$1') }), `${m} ${p}`).to.equal(true);
      }
    }
    const served = app.printRoutes({ commonPrefix: false }).match(/\((GET|POST|DELETE)[^)]*\)/g) ?? [];
    const count = served.reduce((n, s) => n + s.split(',').filter((m) => /GET|POST|DELETE/.test(m)).length, 0);
    expect(documented).to.equal(count);
  });
});
