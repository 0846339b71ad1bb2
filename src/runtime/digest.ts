/**
 * Digest of an action's code as given to `/init`. The agent stores it with every snapshot and the
 * runtime keeps it after `/init`, so that a changed action never restores (or re-initialises) old state.
 */
import { createHash } from 'node:crypto';

export function codeDigest(init: { code: string; main?: string; binary?: boolean }): string {
  const h = createHash('sha256');
  h.update(init.binary ? 'binary\0' : 'text\0');
  h.update(`${init.main ?? 'main'}\0`);
  h.update(init.code);
  return h.digest('hex');
}
