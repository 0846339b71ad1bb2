/**
 * Annotations read with the real `openwhisk` npm client from a small local server that answers the
 * OpenWhisk REST shape (GET /api/v1/namespaces/{ns}/actions/[{pkg}/]{name}).
 */
import { expect } from 'chai';
import Fastify, { type FastifyInstance } from 'fastify';
import { ActionSettingsSource } from '../../../src/openwhisk/actions';
import { policyParams, settingsFromAnnotations } from '../../../src/openwhisk/annotations';
import { logger } from '../../../src/log/logger';

const KEY = '23bc46b1-71f6-4ed5-8c54-816aa4f8c502:secret';
const defaults = { enabled: false, policy: 'pronghorn' };

describe('action annotations', () => {
  let app: FastifyInstance;
  let apihost: string;
  const annotations = new Map<string, { key: string; value: unknown }[]>();
  const hits: string[] = [];

  before(async () => {
    app = Fastify();
    app.get('/api/v1/namespaces/:ns/actions/*', async (req, reply) => {
      const { ns, '*': name } = req.params as { ns: string; '*': string };
      hits.push(`${ns}/${name}`);
      if (req.headers.authorization !== `Basic ${Buffer.from(KEY).toString('base64')}`) return reply.code(401).send({ error: 'unauthorized' });
      const list = annotations.get(`${ns}/${name}`);
      if (!list) return reply.code(404).send({ error: 'The requested resource does not exist.', code: 'x' });
      return { namespace: ns, name: name.split('/').pop(), exec: { kind: 'nodejs:20', binary: false }, parameters: [], limits: { timeout: 60000, memory: 256, logs: 10, concurrency: 1 }, version: '0.0.1', publish: false, annotations: list, updated: 1 };
    });
    apihost = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(() => app.close());
  beforeEach(() => (hits.length = 0));

  it('parses values as `wsk -a` sends them (JSON types, or strings) and reports bad ones', () => {
    const s = settingsFromAnnotations(
      [
        { key: 'pronghorn', value: true },
        { key: 'pronghorn-pool-size', value: 12 },
        { key: 'pronghorn-lifetime', value: '20' },
        { key: 'pronghorn-policy', value: 'fixed:1' },
        { key: 'pronghorn-horizon', value: -3 },
        { key: 'exec', value: 'nodejs:20' },
      ],
      defaults,
    );
    expect(s).to.deep.include({ enabled: true, poolSize: 12, lifetime: 20, policy: 'fixed:1', source: 'annotations' });
    expect(s.horizon).to.equal(undefined);
    expect(s.errors).to.have.length(1);
    expect(s.errors[0]).to.match(/^pronghorn-horizon=-3/);
    expect(settingsFromAnnotations([{ key: 'pronghorn', value: 'yes' }], defaults).enabled).to.equal(true);
    expect(settingsFromAnnotations([{ key: 'pronghorn-policy', value: 'nonsense' }], defaults)).to.deep.include({ policy: 'pronghorn' });
    expect(settingsFromAnnotations(undefined, { enabled: true, policy: 'cold' })).to.deep.include({ enabled: true, policy: 'cold', source: 'default' });
    expect(policyParams({ ...s, policy: 'pronghorn', poolSize: 12 })).to.deep.equal({ capacity: 12 });
    expect(policyParams({ ...s, policy: 'artifact', poolSize: 12, horizon: 100 })).to.deep.equal({ capacity: 12, horizon: 100 });
  });

  it('reads annotations through the openwhisk client and caches them for the TTL', async () => {
    annotations.set('guest/demo/matmul', [
      { key: 'pronghorn', value: true },
      { key: 'pronghorn-pool-size', value: 6 },
    ]);
    let now = 1_000;
    const src = new ActionSettingsSource({ apihost, apiKey: KEY, ttlMs: 60_000, errorTtlMs: 5_000, defaults }, logger('test'), () => now);
    const s = await src.get('guest/demo/matmul');
    expect(s).to.deep.include({ enabled: true, poolSize: 6, source: 'annotations', errors: [] });
    await Promise.all([src.get('guest/demo/matmul'), src.get('guest/demo/matmul')]);
    expect(hits).to.deep.equal(['guest/demo/matmul']);
    annotations.set('guest/demo/matmul', [{ key: 'pronghorn', value: false }]);
    now += 61_000;
    expect((await src.get('guest/demo/matmul')).enabled).to.equal(false);
    expect(hits).to.have.length(2);
  });

  it('uses the defaults for unknown actions and keeps the last settings when the API fails', async () => {
    annotations.set('guest/hello', [{ key: 'pronghorn', value: true }]);
    let now = 0;
    const src = new ActionSettingsSource({ apihost, apiKey: KEY, ttlMs: 1_000, errorTtlMs: 100, defaults }, logger('test'), () => now);
    expect(await src.get('guest/missing')).to.deep.include({ enabled: false, source: 'default' });
    expect((await src.get('guest/hello')).enabled).to.equal(true);
    annotations.delete('guest/hello');
    now += 2_000;
    expect((await src.get('guest/hello')).enabled).to.equal(true); // stale value kept on error
    expect(src.failures).to.equal(2);
    const wrongKey = new ActionSettingsSource({ apihost, apiKey: 'x:y', ttlMs: 1_000, errorTtlMs: 100, defaults: { enabled: true, policy: 'cold' } }, logger('test'));
    expect(await wrongKey.get('guest/hello')).to.deep.include({ enabled: true, policy: 'cold', source: 'default' });
  });
});
