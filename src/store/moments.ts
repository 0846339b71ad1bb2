/**
 * Store-side helpers around the policy's statistics arithmetic (src/policy/stats.ts), which the Redis
 * Lua scripts repeat operation for operation. Values travel through Redis as %.17g strings, which
 * round-trip doubles exactly, so both stores and the simulator agree bit for bit.
 */
import type { Moments, SlotStats } from './types';
import { emptyMoments } from '../policy/stats';

export { emptyMoments, slotAdd, welfordAdd, variance, slotOf, EWMA_ALPHA } from '../policy/stats';

export function emptySlot(): SlotStats {
  return { count: 0, mean: 0, m2: 0, ewma: 0 };
}

export function decodeMoments(raw: string | null | undefined): Moments {
  if (!raw) return emptyMoments();
  const [count, mean, m2] = raw.split(' ').map(Number);
  return { count, mean, m2 };
}

export function decodeSlot(raw: string | null | undefined): SlotStats {
  if (!raw) return emptySlot();
  const [count, mean, m2, ewma] = raw.split(' ').map(Number);
  return { count, mean, m2, ewma };
}
