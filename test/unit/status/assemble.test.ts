import { expect } from 'chai';
import { actionStatus, summarize } from '../../../src/status/assemble';
import { input, moments, snapshot, warmingAction } from './fixtures';

describe('status: assembly', () => {
  it('summarizes counters, pool size and the estimate', () => {
    const s = summarize(warmingAction());
    expect(s).to.include({ action: 'guest/demo/wordcount', activations: 600, coldStarts: 5, restores: 40, snapshots: 3, bestRequestNumber: 250 });
    expect(s.improvementPct).to.be.a('number').greaterThan(0);
  });

  it('leaves the estimate null for an action without latency', () => {
    const s = summarize(input({ action: 'a/b', counters: { activations: 2, coldStarts: 2, restores: 0 } }));
    expect(s.bestRequestNumber).to.equal(null);
    expect(s.improvementPct).to.equal(null);
  });

  it('publishes the curve with standard deviations, the pool sorted by request number, and decisions', () => {
    const a = input({
      action: 'a/b',
      curve: [{ n: 1, ...moments([10, 12, 14]) }, { n: 2, ...moments([7]) }],
      pool: [snapshot('a/b', 9, 12), snapshot('a/b', 2)],
      restore: moments([20]),
    });
    const st = actionStatus(a, [{ at: 5, kind: 'snapshot', requestNumber: 2 }], 1234);
    expect(st.generatedAt).to.equal(1234);
    expect(st.curve[0]).to.deep.equal({ n: 1, count: 3, meanMs: 12, sdMs: 2 });
    expect(st.curve[1].sdMs).to.equal(null);
    expect(st.pool.map((p) => p.requestNumber)).to.deep.equal([2, 9]);
    // n=2 restores at the action's mean (20 ms), n=9 at its own 12 ms; both then serve slot 2's 7 ms.
    expect(st.pool[0].expectedMs).to.be.closeTo(27, 1e-9);
    expect(st.pool[1].expectedMs).to.be.closeTo(19, 1e-9);
    expect(st.decisions).to.deep.equal([{ at: 5, kind: 'snapshot', requestNumber: 2 }]);
    expect(st.baselines?.bestRequestNumber).to.equal(9);
    expect(st.observedMs).to.equal(null);
    const withLatency = actionStatus({ ...a, latency: moments([4, 6]) }, []);
    expect(withLatency.observedMs).to.deep.equal({ count: 2, meanMs: 5 });
  });
});
