/** `pronghorn status` against a real Redis store filled through the store's own API. */
import { expect } from 'chai';
import { main } from '../../../src/cli/main';
import { RedisStateStore } from '../../../src/store/redis';
import type { ActionStatus, StatusOverview } from '../../../src/status/types';
import { redisUrl, testPrefix } from '../../support/env';
import { populateWarmingAction } from './populate';

/** Runs the real CLI in this process, capturing what it writes to stdout and stderr and its exit code. */
async function pronghorn(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const write = { out: process.stdout.write, err: process.stderr.write };
  const before = { exitCode: process.exitCode, url: process.env.PRONGHORN_REDIS_URL };
  process.exitCode = undefined;
  delete process.env.PRONGHORN_REDIS_URL;
  process.stdout.write = ((chunk: string) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => err.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    await main(['node', 'pronghorn', ...args]);
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
  const code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  process.exitCode = before.exitCode;
  if (before.url !== undefined) process.env.PRONGHORN_REDIS_URL = before.url;
  return { code, stdout: out.join(''), stderr: err.join('') };
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

  it('prints one JSON document listing the action with its counters and estimate', async () => {
    const res = await pronghorn('status', '--json', '--redis', redisUrl(), '--prefix', prefix);
    expect(res.code, res.stderr).to.equal(0);
    const doc = JSON.parse(res.stdout) as StatusOverview;
    expect(doc.actions).to.have.length(1);
    const a = doc.actions[0];
    expect(a).to.include({ action, activations: 210, coldStarts: 2, restores: 2, snapshots: 2 });
    expect(a.bestRequestNumber).to.equal(80);
    expect(a.improvementPct).to.be.a('number').greaterThan(0);
  });

  it('prints the table, and for one action its curve, pool and decisions', async () => {
    const table = await pronghorn('status', '--redis', redisUrl(), '--prefix', prefix);
    expect(table.code, table.stderr).to.equal(0);
    expect(table.stdout).to.contain(action);
    const one = await pronghorn('status', action, '--redis', redisUrl(), '--prefix', prefix, '--width', '40');
    expect(one.code, one.stderr).to.equal(0);
    expect(one.stdout).to.contain('warm-up curve');
    expect(one.stdout).to.contain('snap-80');
    expect(one.stdout).to.contain('recent decisions');
    const json = JSON.parse((await pronghorn('status', action, '--json', '--redis', redisUrl(), '--prefix', prefix)).stdout) as ActionStatus;
    // Request numbers 1..120 were served (cold 1..60, restored 41..90 and 81..120).
    expect(json.curve.map((p) => p.n)).to.deep.equal(Array.from({ length: 120 }, (_, i) => i + 1));
    expect(json.pool.map((p) => p.requestNumber)).to.deep.equal([40, 80]);
    expect(json.decisions[0].kind).to.equal('start');
    expect(json.lifetimeRequests.count).to.equal(4);
    expect(json.observedMs?.count).to.equal(210);
  });

  it('fails clearly without a store, with a bad action name, or with an unknown action', async () => {
    const none = await pronghorn('status');
    expect(none.code).to.equal(2);
    expect(none.stderr).to.contain('--redis');
    const bad = await pronghorn('status', 'no-namespace', '--redis', redisUrl());
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain('ns/name');
    const unknown = await pronghorn('status', 'guest/unknown', '--redis', redisUrl(), '--prefix', prefix);
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.contain('no statistics');
  });
});
