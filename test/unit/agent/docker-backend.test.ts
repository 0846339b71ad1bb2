/**
 * The docker backend's requests against a fake engine on a Unix socket (no Docker or podman daemon
 * runs here). The fake answers like the engines' API references; the runtime it "starts" is a real
 * runtime app on a local TCP port, so the backend's whole cold-start path runs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import Fastify, { FastifyInstance } from 'fastify';
import { DockerBackend } from '../../../src/agent/backends/docker/backend';
import { BackendError } from '../../../src/agent/backend';
import { buildRuntimeApp } from '../../../src/runtime/app';
import { logger } from '../../../src/log/logger';

interface Seen {
  method: string;
  url: string;
  query: Record<string, string>;
  body: unknown;
}

async function fakeEngine(socketPath: string, opts: { failCheckpoint?: boolean } = {}): Promise<{ app: FastifyInstance; seen: Seen[] }> {
  const seen: Seen[] = [];
  const app = Fastify();
  app.addContentTypeParser('application/x-tar', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  // Engines ignore the body (and its content type) of start and checkpoint calls.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.addHook('preHandler', async (req) => {
    seen.push({ method: req.method, url: req.url.split('?')[0], query: req.query as Record<string, string>, body: req.body });
  });
  app.get('/_ping', async () => 'OK');
  app.post('/containers/create', async (_req, reply) => reply.code(201).send({ Id: 'c0ffee01', Warnings: [] }));
  app.post('/containers/:id/start', async (_req, reply) => reply.code(204).send());
  app.get('/containers/:id/json', async () => ({ NetworkSettings: { IPAddress: '', Networks: { bridge: { IPAddress: '127.0.0.1' } } } }));
  app.post('/containers/:id/checkpoints', async (_req, reply) =>
    opts.failCheckpoint ? reply.code(500).send({ message: 'checkpoint is only supported in experimental mode' }) : reply.code(201).send());
  app.delete('/containers/:id', async (_req, reply) => reply.code(204).send());
  app.post('/v4.0.0/libpod/containers/create', async (_req, reply) => reply.code(201).send({ Id: 'pod0001', Warnings: [] }));
  app.post('/v4.0.0/libpod/containers/:id/start', async (_req, reply) => reply.code(204).send());
  app.get('/v4.0.0/libpod/containers/:id/json', async () => ({ NetworkSettings: { IPAddress: '127.0.0.1' } }));
  app.post('/v4.0.0/libpod/containers/:id/checkpoint', async (_req, reply) => reply.type('application/x-tar').send(Buffer.from('fake-checkpoint-archive')));
  app.post('/v4.0.0/libpod/containers/import/restore', async () => ({ Id: 'restored01' }));
  app.delete('/v4.0.0/libpod/containers/:id', async () => [{ Id: 'x' }]);
  await app.listen({ path: socketPath });
  return { app, seen };
}

describe('docker backend (fake engine; never run against a live engine)', () => {
  let dir: string;
  let runtime: FastifyInstance;
  let port: number;

  before(async () => {
    runtime = buildRuntimeApp({ codeDir: os.tmpdir(), writeLog: () => undefined });
    await runtime.listen({ host: '127.0.0.1', port: 0 });
    port = (runtime.server.address() as { port: number }).port;
  });
  after(() => runtime.close());
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pronghorn-docker-unit-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('Docker: create + start, checkpoint create (Exit false), start a new container from the checkpoint', async () => {
    const engine = await fakeEngine(path.join(dir, 'docker.sock'));
    const b = new DockerBackend({ dockerSocket: path.join(dir, 'docker.sock'), image: 'rt:1', log: logger('docker-unit'), runtimePort: port });
    try {
      await b.start();
      const w = await b.createCold({ action: 'guest/a', env: { A: '1' } });
      expect(w.key).to.equal('c0ffee01');
      const create = engine.seen.find((s) => s.url === '/containers/create')!;
      expect(create.method).to.equal('POST');
      expect(create.query.name).to.match(/^pronghorn-[0-9a-f]{12}$/);
      const body = create.body as { Image: string; Env: string[]; Labels: Record<string, string> };
      expect(body.Image).to.equal('rt:1');
      expect(body.Env).to.include.members(['A=1', 'UV_USE_IO_URING=0', `PRONGHORN_RUNTIME_LISTEN=${port}`]);
      expect(body.Labels).to.include({ 'pronghorn.action': 'guest/a' });
      expect(engine.seen.some((s) => s.url === '/containers/c0ffee01/start')).to.equal(true);

      const img = path.join(dir, 'snap', 'img');
      await b.dump(w, img);
      const cp = engine.seen.find((s) => s.url === '/containers/c0ffee01/checkpoints')!;
      expect(cp.body).to.deep.equal({ CheckpointID: 'pronghorn', CheckpointDir: img, Exit: false });

      await b.restore(img, { action: 'guest/a' });
      const starts = engine.seen.filter((s) => s.url.endsWith('/start'));
      expect(starts.at(-1)!.query).to.deep.equal({ checkpoint: 'pronghorn', 'checkpoint-dir': img });
      await b.close();
      expect(engine.seen.filter((s) => s.method === 'DELETE').map((s) => s.query)).to.deep.include({ force: 'true', v: 'true' });
    } finally {
      await engine.app.close();
    }
  });

  it('Docker: an engine error becomes a clear backend error', async () => {
    const engine = await fakeEngine(path.join(dir, 'docker.sock'), { failCheckpoint: true });
    const b = new DockerBackend({ dockerSocket: path.join(dir, 'docker.sock'), image: 'rt:1', log: logger('docker-unit'), runtimePort: port });
    try {
      const w = await b.createCold({ action: 'guest/a', env: {} });
      let err: unknown;
      await b.dump(w, path.join(dir, 'img')).catch((e: unknown) => (err = e));
      expect(err).to.be.instanceOf(BackendError);
      expect((err as Error).message).to.match(/docker dump failed: docker checkpoint create: checkpoint is only supported in experimental mode/);
      await b.close();
    } finally {
      await engine.app.close();
    }
  });

  it('podman: checkpoint exported as an archive (leaveRunning), imported into a new named container', async () => {
    const engine = await fakeEngine(path.join(dir, 'podman.sock'));
    const b = new DockerBackend({ dockerSocket: '/nonexistent', podmanSocket: path.join(dir, 'podman.sock'), image: 'rt:1', log: logger('docker-unit'), runtimePort: port });
    try {
      await b.start();
      expect(b.name).to.equal('podman');
      const w = await b.createCold({ action: 'guest/a', env: {} });
      const create = engine.seen.find((s) => s.url === '/v4.0.0/libpod/containers/create')!;
      expect(create.body).to.deep.include({ image: 'rt:1' });
      const img = path.join(dir, 'img');
      await b.dump(w, img);
      const cp = engine.seen.find((s) => s.url === '/v4.0.0/libpod/containers/pod0001/checkpoint')!;
      expect(cp.query).to.include({ export: 'true', leaveRunning: 'true' });
      expect(fs.readFileSync(path.join(img, 'checkpoint.tar'), 'utf8')).to.equal('fake-checkpoint-archive');
      const r = await b.restore(img, { action: 'guest/a' });
      expect(r.key).to.equal('restored01');
      const restore = engine.seen.find((s) => s.url === '/v4.0.0/libpod/containers/import/restore')!;
      expect(restore.query).to.include({ import: 'true', ignoreStaticIP: 'true' });
      expect(restore.query.name).to.match(/^pronghorn-[0-9a-f]{12}$/);
      expect(Buffer.from(restore.body as Buffer).toString()).to.equal('fake-checkpoint-archive');
      await b.close();
    } finally {
      await engine.app.close();
    }
  });

  it('reports an unreachable engine as unavailable', async () => {
    const b = new DockerBackend({ dockerSocket: path.join(dir, 'missing.sock'), image: 'rt:1', log: logger('docker-unit') });
    let err: unknown;
    await b.start().catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(BackendError);
    expect((err as BackendError).kind).to.equal('unavailable');
    expect((err as Error).message).to.match(/container engine not reachable/);
  });
});
