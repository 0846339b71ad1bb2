import { expect } from 'chai';
import { actionStatus } from '../../../src/status/assemble';
import { overview } from '../../../src/status/plugin';
import { fixedStatusSource } from '../../../src/status/source';
import { renderAction, renderOverview, sampleCurve } from '../../../src/status/terminal';
import { curve, input, warmingAction } from './fixtures';

describe('status: terminal rendering', () => {
  it('prints a table row per action with its estimate', async () => {
    const o = await overview(fixedStatusSource([warmingAction(), input({ action: 'guest/hello' })]));
    const text = renderOverview(o);
    expect(text).to.contain('guest/demo/wordcount');
    expect(text).to.contain('guest/hello');
    expect(text).to.match(/250\s+│\s+\d+\.\d %/);
  });

  it('tells how to opt in when there are no actions', () => {
    expect(renderOverview({ generatedAt: 0, actions: [] })).to.contain('wsk action update NAME -a pronghorn true');
  });

  it("draws one action's curve and pool", () => {
    const text = renderAction(actionStatus(warmingAction(), [{ at: 0, kind: 'snapshot', requestNumber: 100 }]));
    expect(text).to.contain('warm-up curve');
    expect(text).to.match(/[┤┼╮╰─]/);
    expect(text).to.contain('snap-250');
    expect(text).to.contain('"requestNumber":100');
  });

  it('samples long curves down to the terminal width, log-spaced over decades', () => {
    const long = actionStatus(input({ action: 'a/b', curve: curve(Array.from({ length: 5000 }, (_, i) => i + 1), (n) => 1 / n) }), []);
    const { n, ms } = sampleCurve(long, 60);
    expect(n.length).to.be.at.most(60).and.at.least(40);
    expect(n[0]).to.equal(1);
    expect(n[n.length - 1]).to.equal(5000);
    expect(ms[0]).to.equal(1);
    for (let i = 1; i < n.length; i++) expect(n[i]).to.be.greaterThan(n[i - 1]);
    const short = actionStatus(input({ action: 'a/b', curve: curve([1, 2, 3], (x) => x) }), []);
    expect(sampleCurve(short, 60).n).to.deep.equal([1, 2, 3]);
  });
});
