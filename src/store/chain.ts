/**
 * Extending a line (LineageChain) by one request, shared by the agent and the simulator. Lines are never
 * changed in place: a snapshot and the workers restored from it can share one, and the worker that serves
 * a request gets a new one.
 */
import { CHAIN_FIRST_REQUESTS, type LineageChain } from './types';

/**
 * The line with request n's execution time added, while n is among the first requests a line keeps; else
 * the line itself. Only in order: a line whose earlier entries are missing stays as it is, so entry i is
 * always request i + 1.
 */
export function extendChain(chain: LineageChain, n: number, execMs: number | null): LineageChain {
  if (n > CHAIN_FIRST_REQUESTS || chain.firstMs.length !== n - 1) return chain;
  return { rootId: chain.rootId, firstMs: [...chain.firstMs, execMs] };
}
