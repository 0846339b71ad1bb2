import { expect } from 'chai';
import Fastify, { type FastifyInstance } from 'fastify';
import { statusPlugin } from '../../../src/status/plugin';
import { fixedStatusSource, type StatusSource } from '../../../src/status/source';
import type { ActionStatus, StatusOverview } from '../../../src/status/types';
import { input, warmingAction } from './fixtures';

const decisions = {
  'guest/demo/wordcount': [
    { at: 1, kind: 'start', source: 'cold' },
    { at: 3, kind: 'snapshot', requestNumber: 100 },
    { at: 2, kind: 'restore', requestNumber: 1 },
  ],
};

async function server(source: StatusSource, prefix?: string, redirectRoot = false): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  await app.register(statusPlugin, { source, prefix, redirectRoot });
  await app.ready();
  return app;
}

describe('status: HTTP plugin', () => {
  const source = fixedStatusSource([warmingAction(), input({ action: 'guest/hello' })], decisions);
  let app: FastifyInstance;
  before(async () => {
    app = await server(source);
  });
  after(() => app.close());

  it('serves the page and a script that parses', async () => {
    const page = await app.inject('/status');
    expect(page.statusCode).to.equal(200);
    expect(page.headers['content-type']).to.match(/^text\/html/);
    expect(page.body).to.contain('<script src="status/app.js"></script>');
    const js = await app.inject('/status/app.js');
    expect(js.statusCode).to.equal(200);
    expect(js.headers['content-type']).to.match(/javascript/);
    expect(() => new Function(js.body)).not.to.throw();
  });

  it('lists every action with its summary', async () => {
    const res = await app.inject('/api/status');
    expect(res.statusCode).to.equal(200);
    const body = res.json() as StatusOverview;
    expect(body.actions.map((a) => a.action)).to.deep.equal(['guest/demo/wordcount', 'guest/hello']);
    expect(body.actions[0].snapshots).to.equal(3);
    expect(body.actions[1].improvementPct).to.equal(null);
  });

  it('returns one action by raw or encoded name, decisions newest first and limited by the query', async () => {
    for (const url of ['/api/status/guest/demo/wordcount', '/api/status/guest%2Fdemo%2Fwordcount']) {
      const res = await app.inject(url);
      expect(res.statusCode, url).to.equal(200);
      const body = res.json() as ActionStatus;
      expect(body.summary.action).to.equal('guest/demo/wordcount');
      expect(body.curve).to.have.length(300);
      expect(body.decisions.map((d) => d.at)).to.deep.equal([3, 2, 1]);
    }
    const limited = (await app.inject('/api/status/guest/demo/wordcount?decisions=1')).json() as ActionStatus;
    expect(limited.decisions.map((d) => d.kind)).to.deep.equal(['snapshot']);
  });

  it('answers 404 for an unknown action and 400 for a bad name or query', async () => {
    expect((await app.inject('/api/status/guest/nothing')).statusCode).to.equal(404);
    const bad = await app.inject('/api/status/noslash');
    expect(bad.statusCode).to.equal(400);
    expect(bad.json().error).to.match(/ns\/name/);
    expect((await app.inject('/api/status/a/b/c/d')).statusCode).to.equal(400);
    expect((await app.inject('/api/status/guest%E0%A4%A')).statusCode).to.equal(400);
    expect((await app.inject('/api/status/guest/hello?decisions=-3')).statusCode).to.equal(400);
  });

  it('answers 503 with the cause when the store fails', async () => {
    const failing: StatusSource = {
      listActions: () => Promise.reject(new Error('connect ECONNREFUSED')),
      load: () => Promise.reject(new Error('connect ECONNREFUSED')),
      decisions: () => Promise.resolve([]),
    };
    const broken = await server(failing);
    try {
      const res = await broken.inject('/api/status');
      expect(res.statusCode).to.equal(503);
      expect(res.json().error).to.contain('ECONNREFUSED');
      expect((await broken.inject('/api/status/a/b')).statusCode).to.equal(503);
    } finally {
      await broken.close();
    }
  });

  it('works under a prefix and can redirect the root to the page', async () => {
    const prefixed = await server(source, '/pronghorn', true);
    try {
      expect((await prefixed.inject('/pronghorn/status')).statusCode).to.equal(200);
      expect((await prefixed.inject('/pronghorn/api/status')).json().actions).to.have.length(2);
      const root = await prefixed.inject('/pronghorn/');
      expect(root.statusCode).to.equal(302);
      expect(root.headers.location).to.equal('status');
    } finally {
      await prefixed.close();
    }
  });
});
