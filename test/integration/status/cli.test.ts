/** `pronghorn status` against a real Redis store filled through the store's own API. */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { RedisStateStore } from '../../../src/store/redis';
import type { ActionStatus, StatusOverview } from '../../../src/status/types';
import { redisUrl, testPrefix } from '../../support/env';
import { populateWarmingAction } from './populate';

const root = path.resolve(__dirname, '..', '..', '..');

function pronghorn(...args: string[]) {
  const script = `require('./src/cli/main').main(${JSON.stringify(['node', 'pronghorn', ...args])})`;
  const res = spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, PRONGHORN_REDIS_URL: '', PRONGHORN_LOG_LEVEL: 'warn' },
    timeout: 60_000,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('pronghorn status (real Redis)', () => {
  const prefix = testPrefix('status-cli');
  const action = 'guest/demo/warming';
  let store: RedisStateStore;

  before(async () => {
    store = new RedisStateStore({ url: redisUrl(), prefix });
    await populateWarmingAction(store, action);
  });
  after(async () => {
    const keys = await store.redis.keys(`${prefix}*`);
    if (keys.length) await store.redis.del(...keys);
    await store.close();
  });

  it('prints one JSON document listing the action with its counters and estimate', () => {
    const res = pronghorn('status', '--json', '--redis', redisUrl(), '--prefix', prefix);
    expect(res.code, res.stderr).to.equal(0);
    const doc = JSON.parse(res.stdout) as StatusOverview;
    expect(doc.actions).to.have.length(1);
    const a = doc.actions[0];
    expect(a).to.include({ action, activations: 210, coldStarts: 2, restores: 2, snapshots: 2 });
    expect(a.bestRequestNumber).to.equal(80);
    expect(a.improvementPct).to.be.a('number').greaterThan(0);
  });

  it('prints the table, and for one action its curve, pool and decisions', () => {
    const table = pronghorn('status', '--redis', redisUrl(), '--prefix', prefix);
    expect(table.code, table.stderr).to.equal(0);
    expect(table.stdout).to.contain(action);
    const one = pronghorn('status', action, '--redis', redisUrl(), '--prefix', prefix, '--width', '40');
    expect(one.code, one.stderr).to.equal(0);
    expect(one.stdout).to.contain('warm-up curve');
    expect(one.stdout).to.contain('snap-80');
    expect(one.stdout).to.contain('recent decisions');
    const json = JSON.parse(pronghorn('status', action, '--json', '--redis', redisUrl(), '--prefix', prefix).stdout) as ActionStatus;
    // Request numbers 1..120 were served (cold 1..60, restored 41..90 and 81..120).
    expect(json.curve.map((p) => p.n)).to.deep.equal(Array.from({ length: 120 }, (_, i) => i + 1));
    expect(json.pool.map((p) => p.requestNumber)).to.deep.equal([40, 80]);
    expect(json.decisions[0].kind).to.equal('start');
    expect(json.lifetimeRequests.count).to.equal(4);
  });

  it('fails clearly without a store, with a bad action name, or with an unknown action', () => {
    const none = pronghorn('status');
    expect(none.code).to.equal(2);
    expect(none.stderr).to.contain('--redis');
    const bad = pronghorn('status', 'no-namespace', '--redis', redisUrl());
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain('ns/name');
    const unknown = pronghorn('status', 'guest/unknown', '--redis', redisUrl(), '--prefix', prefix);
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.contain('no statistics');
  });
});
