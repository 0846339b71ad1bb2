/**
 * Redis key names. Every key of one action carries the action name as hash tag (`{ns/pkg/name}`), so
 * all of them live in one Redis Cluster slot and one Lua script may touch them together.
 */
export class StoreKeys {
  constructor(readonly prefix: string) {}

  private tag(action: string): string {
    return `${this.prefix}{${action}}`;
  }

  /** Counters and action-level moments. */
  stats(action: string): string {
    return `${this.tag(action)}:stats`;
  }
  /** Curve: slot -> "count mean m2 ewma". */
  slots(action: string): string {
    return `${this.tag(action)}:slots`;
  }
  /** Restore transient: requests since restore -> "count mean m2 ewma". */
  transient(action: string): string {
    return `${this.tag(action)}:transient`;
  }
  lineage(action: string, activationId: string): string {
    return this.lineagePrefix(action) + activationId;
  }
  /** What every lineage key of an action starts with (the sidecar builds thousands of keys per chunk from it). */
  lineagePrefix(action: string): string {
    return `${this.tag(action)}:lin:`;
  }
  /** Per event stream ("topic:partition"): the watermark of the events applied (watermark.ts). */
  watermarks(action: string): string {
    return `${this.tag(action)}:wm`;
  }
  workers(action: string): string {
    return `${this.tag(action)}:workers`;
  }
  pool(action: string): string {
    return `${this.tag(action)}:pool`;
  }
  /** Last measured restore time per snapshot (kept apart so the pool's JSON is never rewritten by a script). */
  poolRestoreMs(action: string): string {
    return `${this.tag(action)}:poolrestore`;
  }
  decisions(action: string): string {
    return `${this.tag(action)}:decisions`;
  }
  /** Index of every action the store has seen (not per action, so not hash-tagged). */
  actions(): string {
    return `${this.prefix}actions`;
  }
}

/** Validates the prefix and action names used in keys: braces would break the hash tag. */
export function assertKeySafe(name: string, what: string): void {
  if (name.includes('{') || name.includes('}')) throw new Error(`${what} must not contain braces: ${JSON.stringify(name)}`);
}
