import { expect } from 'chai';
import { evictAfterRequests, evictWhenIdle, parseEviction } from '../../../src/bench/eviction';

describe('eviction models', () => {
  it('evicts after E requests (the paper), never before a request', () => {
    const m = evictAfterRequests(4);
    expect(m.label).to.equal('E=4');
    expect([1, 2, 3, 4, 5].map((served) => m.evictAfterRequest({ served, lastUsedAt: 0 }))).to.deep.equal([false, false, false, true, true]);
    expect(m.evictBeforeRequest({ served: 1, lastUsedAt: 0 }, 1e12)).to.equal(false);
  });

  it('evicts after an idle time (OpenWhisk), checked before the next request', () => {
    const m = evictWhenIdle(10_000);
    expect(m.label).to.equal('idle=10s');
    expect(m.evictAfterRequest({ served: 1000, lastUsedAt: 0 })).to.equal(false);
    expect(m.evictBeforeRequest({ served: 1, lastUsedAt: 1000 }, 10_999)).to.equal(false);
    expect(m.evictBeforeRequest({ served: 1, lastUsedAt: 1000 }, 11_000)).to.equal(true);
  });

  it('parses the command-line forms and rejects nonsense', () => {
    expect(parseEviction('E=20').label).to.equal('E=20');
    expect(parseEviction('1').label).to.equal('E=1');
    expect(parseEviction('idle=250ms').label).to.equal('idle=250ms');
    expect(parseEviction('idle=10m').label).to.equal('idle=600s');
    expect(() => parseEviction('E=0')).to.throw(/positive/);
    expect(() => parseEviction('sometimes')).to.throw(/cannot parse/);
  });
});
