/** Prometheus metrics of one agent (own registry, so several agents can live in one process). */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface AgentMetrics {
  registry: Registry;
  workers: Gauge;
  runs: Counter<'status'>;
  failures: Counter<'op'>;
  lineageFailures: Counter;
  coldStartMs: Histogram;
  restoreMs: Histogram;
  dumpMs: Histogram;
  snapshotBytes: Histogram;
}

export function createAgentMetrics(): AgentMetrics {
  const registry = new Registry();
  const msBuckets = [10, 25, 50, 75, 100, 150, 250, 500, 1000, 2500, 5000];
  return {
    registry,
    workers: new Gauge({ name: 'pronghorn_agent_workers', help: 'live workers', registers: [registry] }),
    runs: new Counter({ name: 'pronghorn_agent_runs_total', help: 'activations forwarded, by runtime status', labelNames: ['status'], registers: [registry] }),
    failures: new Counter({ name: 'pronghorn_agent_failures_total', help: 'failed dumps and restores', labelNames: ['op'], registers: [registry] }),
    lineageFailures: new Counter({ name: 'pronghorn_agent_lineage_failures_total', help: 'activations run whose lineage record the store did not take', registers: [registry] }),
    coldStartMs: new Histogram({ name: 'pronghorn_agent_cold_start_ms', help: 'cold start (process + /init), ms', buckets: msBuckets, registers: [registry] }),
    restoreMs: new Histogram({ name: 'pronghorn_agent_restore_ms', help: 'restore until ready to run, ms', buckets: msBuckets, registers: [registry] }),
    dumpMs: new Histogram({ name: 'pronghorn_agent_dump_ms', help: 'snapshot dump, ms', buckets: msBuckets, registers: [registry] }),
    snapshotBytes: new Histogram({ name: 'pronghorn_agent_snapshot_bytes', help: 'snapshot size, bytes', buckets: [8e6, 16e6, 32e6, 64e6, 128e6, 256e6], registers: [registry] }),
  };
}
