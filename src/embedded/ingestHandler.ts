/**
 * The batch handler that applies events to the store: the sidecar's parser (src/events/parse.ts), then
 * the store's atomic, idempotent ingest. Messages that do not parse are counted and logged, never
 * dropped silently; Metric events and non-container kinds carry nothing for the curves.
 */
import { parseEventMessage, runsInContainer, toActivationFact, validateEventMessage } from '../events/parse';
import type { BatchHandler } from '../events/source';
import type { Logger } from '../log/logger';
import type { ActivationFact, StateStore } from '../store/types';

export function sidecarIngestHandler(store: StateStore, log: Logger): BatchHandler {
  let rejected = 0;
  return async (events) => {
    const facts: ActivationFact[] = [];
    for (const ev of events) {
      const parsed = ev.decoded !== undefined ? validateEventMessage(ev.decoded) : parseEventMessage(ev.value);
      if (!parsed.ok) {
        rejected++;
        log.warn({ reason: parsed.reason, error: parsed.error, origin: ev.origin, rejected }, 'event rejected');
        continue;
      }
      const e = parsed.event;
      if (e.eventType !== 'Activation' || !runsInContainer(e)) continue;
      facts.push(toActivationFact(e, () => (ev.value ?? JSON.stringify(ev.decoded)) as string));
    }
    if (facts.length > 0) await store.ingestActivations(facts, { deferMissingLineage: false });
  };
}
