import { expect } from 'chai';
import { advance, formatWatermark, parseWatermark, screen } from '../../../src/store/watermark';
import { planGroup, type Joined } from '../../../src/store/batch';
import type { ActivationFact } from '../../../src/store/types';

const ev = (offset: number, timestamp = 1000 + offset): ActivationFact => ({
  action: 'a/b', activationId: `id${offset}`, statusCode: 0, durationMs: 5, initTimeMs: 0, waitTimeMs: 0, timestamp, stream: 'events:0', offset,
});

describe('stream watermarks', () => {
  it('round-trips through its stored form and refuses garbage', () => {
    expect(parseWatermark(formatWatermark({ offset: 42, newestEventAt: 1_700_000_000_123 }))).to.deep.equal({ offset: 42, newestEventAt: 1_700_000_000_123 });
    expect(parseWatermark('')).to.equal(null);
    expect(parseWatermark(null)).to.equal(null);
    expect(parseWatermark('x y')).to.equal(null);
  });

  it('drops what is at or below the offset and no newer than the newest applied event', () => {
    const facts = [3, 4, 5, 6].map((o) => ev(o));
    const s = screen(facts, { offset: 4, newestEventAt: 1004 });
    expect(s.fresh.map((f) => f.offset)).to.deep.equal([5, 6]);
    expect(s).to.include({ duplicates: 2, rewound: 0 });
    expect(screen(facts, null).fresh).to.have.length(4);
  });

  it('applies events below the offset that are newer than everything applied (the stream restarted)', () => {
    const s = screen([ev(0, 5000), ev(1, 5001)], { offset: 90, newestEventAt: 1090 });
    expect(s).to.include({ duplicates: 0, rewound: 2 });
    expect(advance({ offset: 90, newestEventAt: 1090 }, s.fresh, true)).to.deep.equal({ offset: 1, newestEventAt: 5001 });
  });

  it('advances to the last applied offset and the newest event time, never backwards otherwise', () => {
    expect(advance(null, [ev(7), ev(8, 900)], false)).to.deep.equal({ offset: 8, newestEventAt: 1007 });
    expect(advance({ offset: 8, newestEventAt: 2000 }, [ev(9)], false)).to.deep.equal({ offset: 9, newestEventAt: 2000 });
  });

  it('plans a group: redeliveries out, a late lineage holds back the rest, the watermark covers only what is applied', () => {
    const facts = [1, 2, 3, 4, 5].map((o) => ev(o));
    const joined: Joined[] = [null, null, null, 'late', null];
    const g = planGroup('events:0', facts, [0, 1, 2, 3, 4], joined, { offset: 1, newestEventAt: 1001 }, { slotOf: (n) => n, transientWindow: 0, ewmaAlpha: 0.5 });
    expect(g).to.include({ applied: 2, duplicates: 1, rewound: 0, withLineage: 0 });
    expect(g.pending.map((f) => f.offset)).to.deep.equal([4, 5]);
    expect(g.watermark).to.deep.equal({ offset: 3, newestEventAt: 1003 });
    expect(g.delta.activations).to.equal(2);
    // Without a stream nothing is screened and no watermark is kept.
    const plain = planGroup('', facts, [0, 1], [null, null], null, { slotOf: (n) => n, transientWindow: 0, ewmaAlpha: 0.5 });
    expect(plain).to.include({ applied: 2, duplicates: 0 });
    expect(plain.watermark).to.equal(null);
  });
});
