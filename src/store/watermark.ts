/**
 * Idempotent ingest by watermark: per action and event stream (a Kafka topic partition, or the
 * in-process bus), the store keeps the highest offset applied and the newest event time among the
 * applied events, written atomically with the statistics they cover. A redelivered event sits at or
 * below that offset and is no newer than that time, so it is dropped; nothing per activation is kept.
 *
 * Requires that one stream's events reach the store in offset order, which Kafka gives per partition
 * and the ingest core keeps (batches in order; a late-lineage hold-back defers the rest of its stream).
 *
 * An event at or below the offset but newer than every applied event cannot be a redelivery: the
 * stream started again from lower offsets (a topic deleted and created again). It is applied, counted
 * as `rewound`, and the watermark follows the stream down to its new offsets.
 */
import type { ActivationFact } from './types';

export interface Watermark {
  offset: number;
  newestEventAt: number;
}

/** How a watermark is stored: "offset newestEventAt". */
export function formatWatermark(w: Watermark): string {
  return `${w.offset} ${w.newestEventAt}`;
}

/** The stored watermark, or null when absent or unreadable (then nothing is treated as a redelivery). */
export function parseWatermark(raw: string | null | undefined): Watermark | null {
  if (!raw) return null;
  const [offset, newestEventAt] = raw.split(' ').map(Number);
  if (!Number.isFinite(offset) || !Number.isFinite(newestEventAt)) return null;
  return { offset, newestEventAt };
}

export interface Screened {
  /** Facts to apply, in their order. */
  fresh: ActivationFact[];
  duplicates: number;
  rewound: number;
}

/** Splits one stream's facts (offset order) into redeliveries and facts to apply. */
export function screen(facts: readonly ActivationFact[], wm: Watermark | null): Screened {
  if (wm === null) return { fresh: facts.slice(), duplicates: 0, rewound: 0 };
  const fresh: ActivationFact[] = [];
  let duplicates = 0;
  let rewound = 0;
  for (const f of facts) {
    const offset = f.offset ?? Infinity;
    if (offset > wm.offset) fresh.push(f);
    else if (f.timestamp <= wm.newestEventAt) duplicates++;
    else {
      rewound++;
      fresh.push(f);
    }
  }
  return { fresh, duplicates, rewound };
}

/** The watermark after `applied` (offset order, non-empty) went into the store. */
export function advance(wm: Watermark | null, applied: readonly ActivationFact[], rewound: boolean): Watermark {
  const last = applied[applied.length - 1].offset ?? 0;
  let newest = wm?.newestEventAt ?? 0;
  for (const f of applied) if (f.timestamp > newest) newest = f.timestamp;
  const offset = wm === null || rewound ? last : Math.max(wm.offset, last);
  return { offset, newestEventAt: newest };
}
