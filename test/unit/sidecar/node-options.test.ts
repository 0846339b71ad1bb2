import { expect } from 'chai';
import { SIDECAR_NODE_OPTIONS, missingSidecarNodeOptions } from '../../../src/sidecar/node-options';

describe('sidecar node options', () => {
  it('are all missing from a plain node process', () => {
    expect(missingSidecarNodeOptions([], undefined)).to.deep.equal([...SIDECAR_NODE_OPTIONS]);
    expect(missingSidecarNodeOptions(['--enable-source-maps'], '--max-old-space-size=512')).to.deep.equal([...SIDECAR_NODE_OPTIONS]);
  });

  it('count as set from the command line or NODE_OPTIONS, with any value and either spelling', () => {
    expect(missingSidecarNodeOptions([...SIDECAR_NODE_OPTIONS], undefined)).to.deep.equal([]);
    expect(missingSidecarNodeOptions([], ` ${SIDECAR_NODE_OPTIONS.join(' ')}  --trace-warnings`)).to.deep.equal([]);
    expect(missingSidecarNodeOptions(['--max_semi_space_size=16'], '')).to.deep.equal([]);
  });
});
