import { expect } from 'chai';
import { decodeLineage, encodeLineage } from '../../../src/store/lineage-codec';
import type { LineageRecord } from '../../../src/store/types';

const base: LineageRecord = {
  activationId: 'a'.repeat(32),
  action: 'guest/pkg/hash',
  workerId: 'wk-8e241010ea8eb50c',
  requestNumber: 21,
  requestsSinceStart: 3,
  origin: { kind: 'cold' },
  recordedAt: 1_796_520_010_180,
};
const decode = (raw: string) => decodeLineage(raw, base.action, base.activationId);

describe('lineage codec', () => {
  it('round-trips cold and restored workers (also a snapshot taken right after /init) in the compact form', () => {
    const records: LineageRecord[] = [
      base,
      { ...base, origin: { kind: 'snapshot', snapshotId: 'snap-2c86e402a3433952', requestNumber: 18 } },
      { ...base, requestNumber: 1, requestsSinceStart: 1, origin: { kind: 'snapshot', snapshotId: 'snap-init', requestNumber: 0 } },
    ];
    for (const rec of records) {
      const raw = encodeLineage(rec);
      expect(raw.startsWith('L1|'), raw).to.equal(true);
      expect(raw).to.not.include(rec.activationId);
      expect(decode(raw)).to.deep.equal(rec);
    }
    expect(encodeLineage(base).length).to.be.lessThan(JSON.stringify(base).length / 2);
  });

  it('falls back to JSON for ids containing the separator, and reads JSON records of earlier versions', () => {
    const odd: LineageRecord = { ...base, workerId: 'w|1' };
    expect(encodeLineage(odd)).to.equal(JSON.stringify(odd));
    expect(decode(encodeLineage(odd))).to.deep.equal(odd);
    const oddSnap: LineageRecord = { ...base, origin: { kind: 'snapshot', snapshotId: 's|x', requestNumber: 2 } };
    expect(decode(encodeLineage(oddSnap))).to.deep.equal(oddSnap);
    expect(decode(JSON.stringify(base))).to.deep.equal(base);
  });

  it('returns null for anything that is not a lineage record', () => {
    for (const raw of [
      '',
      'garbage',
      '{not json',
      JSON.stringify({ requestNumber: 'three' }),
      'null',
      'L2|wk|1|1|0|c',
      'L1||1|1|0|c',
      'L1|wk|0|1|0|c',
      'L1|wk|1|1.5|0|c',
      'L1|wk|1|1|-4|c',
      'L1|wk|1|1|0|x',
      'L1|wk|1|1|0|c|extra',
      'L1|wk|1|1|0|s|snap',
      'L1|wk|1|1|0|s||3',
      'L1|wk|1|1|0|s|snap|-1',
      'L1|wk|1|1|0|s|snap|x',
      'L1|wk|x|1|0|c',
      'L1|wk|1|1|0|',
      'L1|wk|1|1|0',
      'L1|wk|1|1',
      'L1|wk',
      'L1|',
      'L1|wk|1|1|0|s|',
      'L1|wk|1|1|0|s|snap|',
      'L1|wk|1|1|0|s|snap|3|4',
      'L1|wk|1|1|0|cc',
      'L1|wk||1|0|c',
      'L1|wk|1|1||c',
    ]) {
      expect(decode(raw), raw).to.equal(null);
    }
  });
});
