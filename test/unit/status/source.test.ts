import { expect } from 'chai';
import { slotBounds, slotOf } from '../../../src/policy/stats';
import { MemoryStateStore } from '../../../src/store/memory';
import { storeStatusSource } from '../../../src/status/source';

describe('status: store source', () => {
  it('maps curve slots to the first request number they cover, bucketed slots included', async () => {
    const store = new MemoryStateStore();
    const action = 'guest/far';
    const origin = { kind: 'cold' as const };
    const ns = [1, 2, 594, 600, 5000];
    for (const [i, n] of ns.entries()) {
      const activationId = (i + 1).toString(16).padStart(32, '0');
      await store.recordLineage({ activationId, action, workerId: 'w', requestNumber: n, requestsSinceStart: n, origin, recordedAt: 1 });
      await store.ingestActivations([{ action, activationId, statusCode: 0, durationMs: 10 + i, initTimeMs: 0, waitTimeMs: 0, timestamp: 1 }], { deferMissingLineage: false });
    }
    const source = storeStatusSource(store);
    expect(await source.listActions()).to.deep.equal([action]);
    const input = (await source.load(action))!;
    // 594 and 600 share a bucket beyond the exact range; its point starts where the bucket starts.
    expect(slotOf(594)).to.equal(slotOf(600));
    expect(input.curve.map((p) => p.n)).to.deep.equal([1, 2, slotBounds(slotOf(600))[0], slotBounds(slotOf(5000))[0]]);
    expect(input.curve[2].count).to.equal(2);
    expect(input.counters.activations).to.equal(5);
    expect(await source.load('guest/never')).to.equal(null);
    await store.close();
  });
});
