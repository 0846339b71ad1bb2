import { expect } from 'chai';
import v8 from 'node:v8';
import { PerformanceObserver, constants, performance, type PerformanceEntry } from 'node:perf_hooks';
import { fullGc, prefaultHeap } from '../../../src/runtime/heap';

/** GC kinds (perf_hooks' NODE_PERFORMANCE_GC_*) of the collections that started while `fn` ran. */
async function gcKindsDuring(fn: () => void): Promise<number[]> {
  const entries: (PerformanceEntry & { detail?: { kind?: number } })[] = [];
  const observer = new PerformanceObserver((list) => entries.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  const from = performance.now();
  fn();
  const to = performance.now();
  // GC entries are delivered after the fact, on a later turn of the event loop.
  await new Promise((r) => setTimeout(r, 50));
  observer.disconnect();
  return entries.filter((e) => e.startTime >= from && e.startTime <= to).map((e) => e.detail?.kind ?? -1);
}

describe('runtime heap: the walk of a restored stand-by', () => {
  it('writes the whole young generation (a scavenge from its own allocation, then the explicit one) and collects nothing in the old generation', async () => {
    // An old generation far from its limit, so that no major GC starts on its own during the walk.
    fullGc();
    const kinds = await gcKindsDuring(() => prefaultHeap());
    const minor = kinds.filter((k) => k === constants.NODE_PERFORMANCE_GC_MINOR).length;
    const major = kinds.filter((k) => k === constants.NODE_PERFORMANCE_GC_MAJOR || k === constants.NODE_PERFORMANCE_GC_INCREMENTAL).length;
    // One semi-space filled by the walk's allocation scavenges at least once before the explicit one.
    expect(minor, `GC kinds seen: ${kinds.join(',')}`).to.be.at.least(2);
    expect(major, `GC kinds seen: ${kinds.join(',')}`).to.equal(0);
  });

  it('reports its time, and leaves the young generation as large as it was', () => {
    const before = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_size;
    const ms = prefaultHeap();
    const after = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_size;
    expect(ms).to.be.a('number').and.to.be.greaterThan(0);
    expect(after).to.be.at.least(before);
  });
});
