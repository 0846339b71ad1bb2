import { expect } from 'chai';
import { buildCurveFile, relativeNoise, smoothCurve, summarize, windowMedian } from '../../../src/bench/curves/curve';

/** A warm-up shape: 40 ms falling to 10 ms, with every third request 20 % slower. */
const shape = (n: number): number => (10 + 30 * Math.exp(-n / 50)) * (n % 3 === 0 ? 1.2 : 1);

describe('warm-up curve summary', () => {
  const raw = Array.from({ length: 2000 }, (_, i) => shape(i + 1));

  it('keeps the first 20 requests as measured and smooths the rest with a median', () => {
    const curve = smoothCurve(raw);
    expect(curve).to.have.length(2000);
    expect(curve.slice(0, 20)).to.deep.equal(raw.slice(0, 20));
    // Far out, the median ignores the slow third of the requests.
    expect(curve[1500]).to.be.closeTo(10, 0.01);
  });

  it('measures the noise around the curve, relative to it', () => {
    const curve = smoothCurve(raw);
    const noise = relativeNoise(raw, curve);
    expect(noise).to.be.greaterThan(0);
    expect(noise).to.be.lessThan(0.4);
    const flat = Array.from({ length: 500 }, () => 5);
    expect(relativeNoise(flat, smoothCurve(flat))).to.equal(0);
  });

  it('reports the closing-note windows (1-based, inclusive)', () => {
    const s = summarize('x', raw);
    expect(s.coldFirstMs).to.equal(raw[0]);
    expect(s.median1to10).to.equal(windowMedian(raw, 1, 10));
    const window = raw.slice(99, 200).sort((a, b) => a - b); // 101 requests: the middle one is the median
    expect(window).to.have.length(101);
    expect(s.median100to200).to.equal(window[50]);
    expect(s.median1900to2000).to.be.closeTo(10, 0.01);
    expect(summarize('short', raw.slice(0, 500)).median1900to2000).to.equal(null);
  });

  it("writes the simulator's curve file: cold start = listen + init + first request's excess", () => {
    const file = buildCurveFile('guest/pkg/x', raw, { listenMs: 100, initMs: 20 }, 55);
    expect(file.name).to.equal('guest/pkg/x');
    expect(file.restoreMs).to.equal(55);
    expect(file.coldStartMs).to.be.closeTo(120 + raw[0] - 10, 0.01);
    expect(file.latencyMs).to.have.length(2000);
    expect(file.noise).to.be.within(0, 1);
  });

  it('caps the noise at 1, the bound the simulator accepts, for wildly varying inputs', () => {
    const wild = Array.from({ length: 300 }, (_, i) => [1, 3, 40, 200][i % 4]);
    expect(relativeNoise(wild, smoothCurve(wild))).to.be.greaterThan(1);
    expect(buildCurveFile('w', wild, { listenMs: 1, initMs: 1 }, 1).noise).to.equal(1);
  });
});
