/**
 * Heap operations the agent asks a runtime for between requests: a full GC before a dump, and a walk
 * over the heap after a restore.
 *
 * Why the walk: a restored process's memory was written by CRIU, not by the process, and on some
 * virtual machines (measured on a paravirtualised guest, docs/agent.md "Restored first request") the
 * process's first access to each such page then costs ≈ 5 µs that the guest does not even count as a
 * page fault: 64 MB took 72–108 ms to read once after a restore and ≈ 1 ms afterwards. A request that
 * touches those pages first pays that; a stand-by worker can pay it before any request arrives.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

type GcFunction = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async' }) => void;
let gcFn: GcFunction | undefined;

/** `gc` exposed on demand (no --expose-gc needed on the command line). */
function exposedGc(): GcFunction {
  if (!gcFn) {
    const g = (globalThis as { gc?: GcFunction }).gc;
    if (typeof g === 'function') gcFn = g;
    else {
      v8.setFlagsFromString('--expose-gc');
      gcFn = vm.runInNewContext('gc') as GcFunction;
    }
  }
  return gcFn;
}

/**
 * A full garbage collection. Before a dump it leaves fewer live heap pages to copy. It also costs JIT
 * state: objects of the last request are dead between requests, so the hidden classes only they used
 * die too, and optimised code that expected them deoptimises and is compiled again (docs/agent.md).
 */
export function fullGc(): void {
  exposedGc()();
}

/**
 * Allocates garbage until both semi-spaces of the young generation have been written once. The pages of
 * the young generation hold no live objects between requests, so a walk over objects never reaches
 * them; the first request after a restore then writes all of them and pays the first touch of each
 * (measured: 1,000,000 small objects took 32-40 ms in the first request after a restore and 7 ms in
 * the next, with V8's default 16 MB semi-spaces; docs/agent.md). Returns the bytes it allocated.
 */
function touchYoungGeneration(): number {
  const newSpace = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  if (!newSpace) return 0;
  // space_size is what both semi-spaces have committed; filling the active one triggers a scavenge,
  // after which the other one is filled.
  const chunkBytes = 64 * 1024;
  const chunks = Math.ceil((newSpace.space_size * 1.1) / chunkBytes);
  let chunk: number[] = [];
  for (let i = 0; i < chunks; i++) chunk = new Array(chunkBytes / 8).fill(0);
  return chunks * chunk.length * 8;
}

/**
 * Touches the whole JS heap once without collecting garbage in the old generation, so that hidden
 * classes, feedback and optimised code stay as they are:
 * - V8's code statistics iterate every object of the old, code and large-object spaces (no GC);
 * - garbage allocated in the young generation writes both of its semi-spaces, with the scavenges that
 *   come with it (they copy the young generation's survivors and never free hidden classes, which live
 *   in the old generation).
 * Returns the time it took, ms.
 */
export function prefaultHeap(): number {
  const t0 = process.hrtime.bigint();
  v8.getHeapCodeStatistics();
  touchYoungGeneration();
  exposedGc()({ type: 'minor' });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
