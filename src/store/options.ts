/** Tuning shared by both stores; the sidecar fills it from its settings. */
import { EWMA_ALPHA, defaultRecordConfig, slotOf } from '../policy/stats';

export interface StoreOptions {
  /** Request number -> curve slot (the policy's slotOf). */
  slotOf: (n: number) => number;
  /** Requests after a restore that feed the transient statistics instead of the curve. */
  transientWindow: number;
  /** EWMA weight of the newest sample. */
  ewmaAlpha: number;
  /** How long a lineage record is kept (seconds). */
  lineageTtlSec: number;
  /** A missing lineage is awaited only if the action had lineage within this window of the event (ms). */
  lineageActiveMs: number;
  /** Entries kept in each action's decision log. */
  decisionLogSize: number;
}

export const defaultStoreOptions: StoreOptions = {
  slotOf,
  transientWindow: defaultRecordConfig.transientWindow,
  ewmaAlpha: EWMA_ALPHA,
  lineageTtlSec: 2 * 3600,
  lineageActiveMs: 10 * 60 * 1000,
  decisionLogSize: 200,
};

export function storeOptions(partial: Partial<StoreOptions> = {}): StoreOptions {
  return { ...defaultStoreOptions, ...partial };
}
