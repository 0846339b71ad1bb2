/** The sidecar's Prometheus metrics, on a registry of its own (several sidecars may share a process in tests). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { REJECT_REASONS } from '../events/parse';

export class IngestMetrics {
  readonly registry = new Registry();
  /** Every event by outcome: applied, duplicate, rejected, filtered (other source), skipped (not a container), metric. */
  readonly events = new Counter({ name: 'pronghorn_events_total', help: 'Events consumed, by outcome', labelNames: ['outcome'], registers: [this.registry] });
  readonly rejected = new Counter({ name: 'pronghorn_events_rejected_total', help: 'Rejected messages by reason (each also sent to the dead-letter topic)', labelNames: ['reason'], registers: [this.registry] });
  readonly deadLetters = new Counter({ name: 'pronghorn_dead_letters_total', help: 'Messages written to the dead-letter topic', registers: [this.registry] });
  readonly lineage = new Counter({ name: 'pronghorn_lineage_join_total', help: 'Applied activations with and without lineage', labelNames: ['joined'], registers: [this.registry] });
  readonly invalidLineage = new Counter({ name: 'pronghorn_lineage_invalid_total', help: 'Lineage records that could not be read; their activations were applied without lineage', registers: [this.registry] });
  readonly rewound = new Counter({ name: 'pronghorn_stream_rewound_total', help: 'Events applied below their stream watermark because newer than every applied event (the stream restarted at lower offsets)', registers: [this.registry] });
  readonly lineageWaits = new Counter({ name: 'pronghorn_lineage_waits_total', help: 'Activations held back because their lineage was late', registers: [this.registry] });
  readonly owMetrics = new Counter({ name: 'pronghorn_openwhisk_metric_events_total', help: "OpenWhisk Metric events seen, by metricName", labelNames: ['metric'], registers: [this.registry] });
  readonly batchSeconds = new Histogram({
    name: 'pronghorn_ingest_batch_seconds',
    help: 'Time to put one batch into the store (including waits for the store)',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [this.registry],
  });
  readonly storeErrors = new Counter({ name: 'pronghorn_store_errors_total', help: 'Failed store or dead-letter writes (retried)', labelNames: ['target'], registers: [this.registry] });
  readonly paused = new Gauge({ name: 'pronghorn_ingest_paused', help: '1 while ingest waits for the store or the dead-letter topic', registers: [this.registry] });

  constructor(defaultMetrics = true) {
    for (const reason of REJECT_REASONS) this.rejected.inc({ reason }, 0);
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry });
  }
}
