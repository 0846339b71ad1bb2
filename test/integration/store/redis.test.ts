/**
 * The Redis store against a real Redis: the shared StateStore contract, bit-for-bit agreement with the
 * in-memory store, and one hash slot per action (Redis Cluster).
 */
import { expect } from 'chai';
import { RedisStateStore } from '../../../src/store/redis';
import { MemoryStateStore } from '../../../src/store/memory';
import type { ActivationFact, WorkerOrigin } from '../../../src/store/types';
import { slotAdd, slotOf } from '../../../src/policy/stats';
import { redisUrl, testPrefix } from '../../support/env';
import { fact, lineage, stateStoreSuite } from '../../unit/store/state-store-suite';

stateStoreSuite('redis', async (opts) => new RedisStateStore({ url: redisUrl(), prefix: testPrefix('store'), ...opts }));

describe('RedisStateStore specifics', () => {
  it('computes exactly what the in-memory store computes over a long mixed stream', async () => {
    const redis = new RedisStateStore({ url: redisUrl(), prefix: testPrefix('parity'), transientWindow: 5 });
    const memory = new MemoryStateStore({ transientWindow: 5 });
    const action = 'parity/act';
    let x = 7;
    const rand = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
    const facts: ActivationFact[] = [];
    for (let w = 0; w < 60; w++) {
      const restored = w % 3 !== 0;
      const start = restored ? 1 + Math.floor(rand() * 600) : 0;
      const origin: WorkerOrigin = restored ? { kind: 'snapshot', snapshotId: `s${start}`, requestNumber: start } : { kind: 'cold' };
      const served = 1 + Math.floor(rand() * 40);
      for (let j = 1; j <= served; j++) {
        const f = fact(action, { durationMs: rand() * 100, initTimeMs: j === 1 && !restored ? rand() * 50 : 0, statusCode: rand() < 0.05 ? 1 : 0, stream: 'events:0', offset: facts.length });
        facts.push(f);
        const lin = rand() < 0.9 ? lineage(f, start + j, j, origin) : null;
        for (const s of [redis, memory]) if (lin) await s.recordLineage(lin);
      }
    }
    for (let i = 0; i < facts.length; i += 250) {
      const batch = facts.slice(i, i + 250);
      const [a, b] = await Promise.all([redis, memory].map((s) => s.ingestActivations(batch, { deferMissingLineage: false })));
      expect(a).to.deep.equal(b);
    }
    const [rs, ms] = await Promise.all([redis.getActionStats(action), memory.getActionStats(action)]);
    expect(rs.slots.length).to.be.greaterThan(100);
    expect(rs.transient.length).to.equal(5);
    expect(rs).to.deep.equal(ms);
    await redis.close();
  });

  it('re-screens a batch when another consumer moved the stream watermark since this one wrote it', async () => {
    const prefix = testPrefix('twoconsumers');
    const [a, b] = [new RedisStateStore({ url: redisUrl(), prefix }), new RedisStateStore({ url: redisUrl(), prefix })];
    const action = 'ns/handover';
    const at = Date.now();
    const ev = Array.from({ length: 8 }, (_, k) => fact(action, { stream: 'events:3', offset: k + 1, timestamp: at + k, durationMs: k + 1 }));
    expect(await a.ingestActivations(ev.slice(0, 3), { deferMissingLineage: false })).to.include({ applied: 3 });
    // The partition moved to b, which replays from an older commit and goes on to offset 6.
    expect(await b.ingestActivations(ev.slice(1, 6), { deferMissingLineage: false })).to.include({ applied: 3, duplicates: 2 });
    // a gets it back and still believes offset 3 is the last applied: its script call is refused and
    // the batch screened again against offset 6.
    expect(await a.ingestActivations(ev.slice(3), { deferMissingLineage: false })).to.include({ applied: 2, duplicates: 3 });
    const stats = await a.getActionStats(action);
    expect(stats.activations).to.equal(8);
    expect(stats.latency.mean).to.be.closeTo(4.5, 1e-12);
    expect(await a.redis.hget(a.keys.watermarks(action), 'events:3')).to.equal(`8 ${at + 7}`);
    await Promise.all([a.close(), b.close()]);
  });

  it('packs curve cells as doubles and still reads and continues cells stored as text by earlier versions', async () => {
    const store = new RedisStateStore({ url: redisUrl(), prefix: testPrefix('cells') });
    const action = 'ns/cells';
    // A text cell as earlier versions wrote it: count 2, mean 5, m2 0.5, ewma 5.25.
    await store.redis.hset(store.keys.slots(action), '3', '2 5 0.5 5.25');
    expect((await store.getActionStats(action)).slots).to.deep.equal([{ slot: 3, count: 2, mean: 5, m2: 0.5, ewma: 5.25 }]);
    const [f, g] = [fact(action, { durationMs: 8 }), fact(action, { durationMs: 4.5 })];
    await store.recordLineage(lineage(f, 3, 3));
    await store.recordLineage(lineage(g, 4, 4));
    await store.ingestActivations([f, g], { deferMissingLineage: false });
    const raw = await store.redis.hgetBuffer(store.keys.slots(action), '3');
    expect(raw!.length).to.equal(32);
    const slots = (await store.getActionStats(action)).slots;
    expect(slots[0]).to.deep.equal({ slot: 3, ...slotAdd({ count: 2, mean: 5, m2: 0.5, ewma: 5.25 }, 8) });
    expect(slots[1]).to.deep.equal({ slot: 4, count: 1, mean: 4.5, m2: 0, ewma: 4.5 });
    await store.close();
  });

  it('puts large request numbers into the same log-bucketed curve slots as the policy (slotOf in Lua)', async () => {
    const redis = new RedisStateStore({ url: redisUrl(), prefix: testPrefix('bigslots') });
    const memory = new MemoryStateStore();
    const action = 'parity/big';
    const numbers = [512, 513, 1000, 1024, 1025, 4097, 65_537, 123_456, 1_000_000, 2 ** 30 + 7];
    const facts = numbers.map((n, k) => fact(action, { durationMs: 10 + k }));
    for (const s of [redis, memory]) for (const [k, f] of facts.entries()) await s.recordLineage(lineage(f, numbers[k], numbers[k]));
    for (const s of [redis, memory]) await s.ingestActivations(facts, { deferMissingLineage: false });
    const [rs, ms] = await Promise.all([redis.getActionStats(action), memory.getActionStats(action)]);
    expect(rs.slots.map((e) => e.slot)).to.deep.equal(numbers.map(slotOf));
    expect(rs).to.deep.equal(ms);
    await redis.close();
  });

  it('applies an activation whose lineage record is unreadable without lineage, and counts the record', async () => {
    const prefix = testPrefix('badlineage');
    const store = new RedisStateStore({ url: redisUrl(), prefix });
    const action = 'ns/badlin';
    const [good, garbled, wrongShape] = [fact(action), fact(action), fact(action)];
    await store.recordLineage(lineage(good, 3, 3));
    await store.redis.set(store.keys.lineage(action, garbled.activationId), '{not json');
    await store.redis.set(store.keys.lineage(action, wrongShape.activationId), JSON.stringify({ requestNumber: 'three' }));
    const res = await store.ingestActivations([good, garbled, wrongShape], { deferMissingLineage: true });
    expect(res).to.include({ applied: 3, withLineage: 1, withoutLineage: 2, invalidLineage: 2 });
    expect(res.pending).to.deep.equal([]);
    const stats = await store.getActionStats(action);
    expect(stats.slots.map((e) => [e.slot, e.count])).to.deep.equal([[3, 1]]);
    await store.close();
  });

  it('joins each activation with its own record in a batch of thousands with gaps, newline garbage and unsendable ids', async () => {
    const prefix = testPrefix('linebatch');
    const store = new RedisStateStore({ url: redisUrl(), prefix });
    const action = 'ns/linebatch';
    // More ids than lineage.lua reads per MGET slice (1000), records on every third one only.
    const facts = Array.from({ length: 2600 }, () => fact(action));
    const recorded = facts.filter((_, k) => k % 3 === 0).map((f, n) => lineage(f, 1 + (n % 40), 1));
    await store.recordLineages(recorded);
    // A value with newlines must not shift the records after it; an id with one reads nothing.
    const garbled = facts[1];
    await store.redis.set(store.keys.lineage(action, garbled.activationId), 'L1|w|2\n|2|0|c');
    const oddId = fact(action, { activationId: 'x\ny' });
    const emptyId = fact(action, { activationId: '' });
    const batch = [...facts, oddId, emptyId];
    const res = await store.ingestActivations(batch, { deferMissingLineage: false });
    expect(res).to.include({ applied: 2602, withLineage: recorded.length, withoutLineage: 2602 - recorded.length, invalidLineage: 1 });
    const expected = new Map<number, number>();
    for (const r of recorded) expected.set(slotOf(r.requestNumber), (expected.get(slotOf(r.requestNumber)) ?? 0) + 1);
    const stats = await store.getActionStats(action);
    expect(new Map(stats.slots.map((e) => [e.slot, e.count]))).to.deep.equal(expected);
    await store.close();
  });

  it('stores lineage compactly and still joins records written as JSON by earlier versions', async () => {
    const prefix = testPrefix('lincodec');
    const store = new RedisStateStore({ url: redisUrl(), prefix });
    const action = 'ns/lincodec';
    const [compact, legacy] = [fact(action), fact(action)];
    const rec = lineage(compact, 7, 2, { kind: 'snapshot', snapshotId: 'snap-1', requestNumber: 5 });
    await store.recordLineage(rec);
    const raw = await store.redis.get(store.keys.lineage(action, compact.activationId));
    expect(raw).to.match(/^L1\|/);
    expect(raw!.length).to.be.lessThan(JSON.stringify(rec).length / 2);
    await store.redis.set(store.keys.lineage(action, legacy.activationId), JSON.stringify(lineage(legacy, 9, 9)));
    const res = await store.ingestActivations([compact, legacy], { deferMissingLineage: false });
    expect(res).to.include({ applied: 2, withLineage: 2, withoutLineage: 0 });
    expect(res.invalidLineage ?? 0).to.equal(0);
    const stats = await store.getActionStats(action);
    expect(stats.slots.map((e) => e.slot)).to.deep.equal([slotOf(7), slotOf(9)].sort((a, b) => a - b));
    expect(stats.restores).to.equal(0); // j = 2: not the restored worker's first request
    expect(await store.getLineage(action, compact.activationId)).to.deep.equal(rec);
    await store.close();
  });

  it('joins with a lineage prefetch of the same facts, and reads again for other facts or after a failed prefetch', async () => {
    const store = new RedisStateStore({ url: redisUrl(), prefix: testPrefix('prefetch') });
    const action = 'ns/prefetch';
    const facts = [fact(action), fact(action)];
    for (const [k, f] of facts.entries()) await store.recordLineage(lineage(f, k + 1, k + 1));
    const res = await store.ingestActivations(facts, { deferMissingLineage: true, lineage: store.prefetchLineage(facts) });
    expect(res).to.include({ applied: 2, withLineage: 2 });

    // A prefetch made for another array is not used: these facts' own lineage is read.
    const more = [fact(action)];
    await store.recordLineage(lineage(more[0], 3, 3));
    const other = store.prefetchLineage([fact(action)]);
    expect(await store.ingestActivations(more, { deferMissingLineage: true, lineage: other })).to.include({ applied: 1, withLineage: 1 });

    // A prefetch whose read failed is read again.
    const last = [fact(action)];
    await store.recordLineage(lineage(last[0], 4, 4));
    const failed = { facts: last, byAction: new Map([[action, last]]), replies: Promise.reject(new Error('connection lost')) };
    failed.replies.catch(() => undefined);
    expect(await store.ingestActivations(last, { deferMissingLineage: true, lineage: failed })).to.include({ applied: 1, withLineage: 1 });
    expect((await store.getActionStats(action)).slots.map((e) => e.slot)).to.deep.equal([1, 2, 3, 4]);
    await store.close();
  });

  it('puts every key of an action into one Redis Cluster hash slot', async () => {
    const prefix = testPrefix('slots');
    const store = new RedisStateStore({ url: redisUrl(), prefix });
    const action = 'ns/pkg/slotted';
    const f = fact(action, { stream: 'events:0', offset: 1 });
    await store.recordLineage(lineage(f, 1, 1));
    await store.ingestActivations([f], { deferMissingLineage: false });
    await store.putWorker({ workerId: 'w', action, node: 'n', origin: { kind: 'cold' }, startMs: 1, startedAt: 1 });
    await store.addSnapshot({ snapshotId: 's', action, node: 'n', requestNumber: 1, bytes: 1, dumpMs: 1, restoreMs: 0, createdAt: 1, parentSnapshotId: null });
    await store.appendDecision(action, { at: 1, kind: 'k' });
    const keys = await store.redis.keys(`${prefix}{${action}}*`);
    expect(keys.length).to.be.at.least(7);
    expect(keys).to.include(store.keys.watermarks(action));
    // Redis Cluster hashes only the part between the first '{' and the next '}': the action name.
    const tags = new Set(keys.map((k) => k.slice(k.indexOf('{') + 1, k.indexOf('}', k.indexOf('{')))));
    expect([...tags]).to.deep.equal([action]);
    await store.close();
  });
});
