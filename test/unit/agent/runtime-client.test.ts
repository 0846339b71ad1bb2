import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { FastifyInstance } from 'fastify';
import { RuntimeClient } from '../../../src/agent/runtime-client';
import { buildRuntimeApp } from '../../../src/runtime/app';

describe('RuntimeClient (agent → action runtime over node:http)', () => {
  let dir: string;
  let app: FastifyInstance;
  let socketPath: string;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-rtc-'));
    socketPath = path.join(dir, 'rt.sock');
    app = buildRuntimeApp({ codeDir: dir, writeLog: () => undefined });
    await app.listen({ path: socketPath });
  });

  afterEach(async () => {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs /init and /run over a Unix socket: JSON body parsed, status and execution time passed on', async () => {
    const c = new RuntimeClient({ socketPath });
    const init = await c.init({ name: 'a', main: 'main', code: 'function main(p) { return { twice: p.n * 2, env: process.env.__OW_ACTIVATION_ID } }' });
    expect(init.status).to.equal(200);
    const r = await c.run({ value: { n: 21 }, activation_id: 'b'.repeat(32) });
    expect(r.status).to.equal(200);
    expect(r.body).to.deep.equal({ twice: 42, env: 'b'.repeat(32) });
    expect(r.execMs).to.be.a('number').and.to.be.at.least(0);
    expect(r.ms).to.be.greaterThan(0);
  });

  it('passes error statuses and their JSON bodies on instead of throwing', async () => {
    const c = new RuntimeClient({ socketPath });
    const r = await c.run({ value: {} });
    expect(r.status).to.equal(403);
    expect((r.body as { error: string }).error).to.match(/not initialized/);
    expect(r.execMs).to.equal(undefined);
  });

  it('returns a non-JSON reply as text', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('{not json');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const { port } = server.address() as { port: number };
      const r = await new RuntimeClient({ url: `http://127.0.0.1:${port}` }).status();
      expect(r).to.include({ status: 200, body: '{not json' });
    } finally {
      server.close();
    }
  });

  it('rejects with a clear message when the runtime does not answer in time', async () => {
    const server = http.createServer(() => undefined); // never answers
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const { port } = server.address() as { port: number };
      const c = new RuntimeClient({ url: `http://127.0.0.1:${port}` }, 100);
      const err = await c.run({ value: {} }).then(() => null, (e: Error) => e);
      expect(err?.message).to.match(/no reply from the runtime within 100 ms/);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('rejects when nothing listens, and refuses https addresses', async () => {
    const err = await new RuntimeClient({ socketPath: path.join(dir, 'absent.sock') }).status().then(() => null, (e: Error) => e);
    expect(err?.message).to.match(/ENOENT|ECONNREFUSED/);
    expect(() => new RuntimeClient({ url: 'https://127.0.0.1:8443' })).to.throw(/only http/);
  });
});
