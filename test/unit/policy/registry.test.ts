import { expect } from 'chai';
import { createPolicy, PolicySpecError, policyDefaults } from '../../../src/policy/registry';

describe('policy registry', () => {
  it('creates every policy by name', () => {
    expect(createPolicy('cold').name).to.equal('cold');
    expect(createPolicy('fixed:1').params).to.deep.equal({ requestNumber: 1 });
    expect(createPolicy('fixed:25').params).to.deep.equal({ requestNumber: 25 });
    expect(createPolicy('init').params).to.deep.equal({ requestNumber: 0 });
    expect(createPolicy('artifact').params).to.deep.include({ capacity: 14, p: 0.4, gamma: 0.1, horizon: 200 });
    expect(createPolicy('pronghorn').params).to.deep.equal(policyDefaults.pronghorn);
  });

  it('takes parameters in the spec or as an object, coerced from strings', () => {
    expect(createPolicy('pronghorn?capacity=6&guard=false').params).to.deep.include({ capacity: 6, guard: false });
    expect(createPolicy('artifact', { capacity: '12' }).params).to.deep.include({ capacity: 12 });
  });

  it('rejects unknown names with the list of valid ones', () => {
    expect(() => createPolicy('pronhorn')).to.throw(PolicySpecError, /unknown policy "pronhorn"; valid: cold, fixed:N, init, artifact, pronghorn/);
    expect(() => createPolicy('fixed:x')).to.throw(PolicySpecError, /valid:/);
  });

  it('rejects bad parameters with every problem counted and named', () => {
    let message = '';
    try {
      createPolicy('pronghorn?capacity=1&maxOptimism=abc&colour=red');
    } catch (err) {
      expect(err).to.be.instanceOf(PolicySpecError);
      message = (err as Error).message;
    }
    expect(message).to.match(/invalid parameters for policy pronghorn \(3 problems\)/);
    expect(message).to.include('capacity');
    expect(message).to.include('maxOptimism');
    expect(message).to.include('colour');
    expect(() => createPolicy('cold?capacity=3')).to.throw(PolicySpecError, /takes no parameters/);
    expect(() => createPolicy('artifact?p=2')).to.throw(PolicySpecError, /p:/);
    expect(() => createPolicy('pronghorn?capacity')).to.throw(PolicySpecError, /key=value/);
  });
});
