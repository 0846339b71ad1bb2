import { expect } from 'chai';
import { Ingestor } from '../../../src/sidecar/ingest';
import { IngestMetrics } from '../../../src/sidecar/metrics';
import { MemoryStateStore } from '../../../src/store/memory';
import { MemoryDeadLetterSink } from '../../../src/events/dlq';
import type { RawEvent } from '../../../src/events/source';
import { InProcessEventBus } from '../../../src/events/bus';
import type { StateStore } from '../../../src/store/types';
import { logger } from '../../../src/log/logger';
import { activationMessage } from '../events/fixtures';

const log = logger('test');
let n = 0;
const raw = (msg: unknown): RawEvent => ({ value: typeof msg === 'string' ? msg : JSON.stringify(msg), origin: { source: 'test' }, offset: String(++n) });
const id = () => (++n).toString(16).padStart(32, '0');

function setup(cfg: { sourceFilter?: string; lineageGraceMs?: number } = {}, store: StateStore = new MemoryStateStore()) {
  const dlq = new MemoryDeadLetterSink();
  const metrics = new IngestMetrics(false);
  const ingestor = new Ingestor(store, dlq, metrics, { lineageGraceMs: 0, retryDelayMs: 5, ...cfg }, log);
  return { store, dlq, metrics, ingestor };
}

async function counter(metrics: IngestMetrics, name: string, labels: Record<string, string>): Promise<number> {
  const m = (await metrics.registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = (m?.values ?? []).find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return Number(v?.value ?? 0);
}

describe('Ingestor', () => {
  it('applies activations, sends rejects with their reason to the DLQ, filters by source, skips compositions', async () => {
    const { store, dlq, metrics, ingestor } = setup({ sourceFilter: 'invoker0' });
    const events = [
      raw(activationMessage({}, { activationId: id(), name: 'ns/a' })),
      raw(activationMessage({}, { activationId: id(), name: 'ns/a', initTime: 0, duration: 9 })),
      raw(activationMessage({ source: 'invoker1' }, { activationId: id(), name: 'ns/a' })),
      raw(activationMessage({ source: 'invoker0' }, { activationId: id(), name: 'ns/seq', kind: 'sequence' })),
      raw({ source: 'invoker0', body: { metricName: 'ConcurrentInvocations', metricValue: 3 }, subject: 's', namespace: 'n', userId: 'u', eventType: 'Metric', timestamp: 1 }),
      raw('not json'),
      raw(activationMessage({}, { duration: 'slow' })),
      { value: null, origin: { source: 'test' } },
    ];
    const sum = await ingestor.ingestBatch(events);
    expect(sum).to.deep.equal({ received: 8, applied: 2, duplicates: 0, rewound: 0, rejected: 3, filtered: 1, skipped: 1, metrics: 1 });
    expect(dlq.letters.map((l) => l.reason)).to.deep.equal(['not_json', 'invalid_activation', 'empty']);
    expect(dlq.letters[0]).to.deep.include({ value: 'not json' });
    expect(dlq.letters[1].error).to.match(/body\.duration/);
    // A letter names its message's position: the source's origin and the message's own offset.
    expect(dlq.letters[0].origin).to.deep.equal({ source: 'test', offset: events[5].offset });
    expect(dlq.letters[2].origin).to.deep.equal({ source: 'test', offset: undefined });
    const s = await store.getActionStats('ns/a');
    expect(s).to.include({ activations: 2, coldStarts: 1 });
    expect(await counter(metrics, 'pronghorn_events_rejected_total', { reason: 'not_json' })).to.equal(1);
    expect(await counter(metrics, 'pronghorn_events_total', { outcome: 'applied' })).to.equal(2);
    expect(await counter(metrics, 'pronghorn_dead_letters_total', {})).to.equal(3);
  });

  it('counts a redelivered batch once', async () => {
    const { store, ingestor } = setup();
    const batch = [raw(activationMessage({}, { activationId: id(), name: 'ns/b' })), raw(activationMessage({}, { activationId: id(), name: 'ns/b' }))];
    await ingestor.ingestBatch(batch);
    const again = await ingestor.ingestBatch(batch);
    expect(again).to.include({ applied: 0, duplicates: 2 });
    expect((await store.getActionStats('ns/b')).activations).to.equal(2);
  });

  it('counts events of a restarted stream, with a metric and without dropping them', async () => {
    const { store, metrics, ingestor } = setup();
    const origin = { source: 'kafka', topic: 'events', partition: 0 };
    const at = Date.now();
    const ev = (offset: number, timestamp: number): RawEvent => ({ value: JSON.stringify(activationMessage({ timestamp }, { activationId: id(), name: 'ns/r' })), origin, offset: String(offset) });
    expect(await ingestor.ingestBatch([ev(500, at), ev(501, at + 1)])).to.include({ applied: 2 });
    // The topic was recreated: low offsets, newer events.
    expect(await ingestor.ingestBatch([ev(0, at + 100), ev(1, at + 101)])).to.include({ applied: 2, duplicates: 0, rewound: 2 });
    expect(await counter(metrics, 'pronghorn_stream_rewound_total', {})).to.equal(2);
    expect((await store.getActionStats('ns/r')).activations).to.equal(4);
  });

  it('gives every in-process bus a stream of its own, so a restarted process is no replay of the last', async () => {
    const store = new MemoryStateStore();
    for (let life = 0; life < 2; life++) {
      const bus = new InProcessEventBus();
      const { ingestor } = setup({}, store);
      await bus.start((events) => ingestor.ingestBatch(events).then(() => undefined));
      bus.publish(activationMessage({}, { activationId: id(), name: 'ns/bus' }));
      bus.publish(activationMessage({}, { activationId: id(), name: 'ns/bus' }));
      await bus.flush();
      await bus.stop();
    }
    expect((await store.getActionStats('ns/bus')).activations).to.equal(4);
  });

  it('pauses while the store fails and resumes without losing the batch', async () => {
    const inner = new MemoryStateStore();
    let failures = 3;
    const flaky: StateStore = Object.assign(Object.create(inner) as StateStore, {
      ingestActivations: async (...args: Parameters<StateStore['ingestActivations']>) => {
        if (failures-- > 0) throw new Error('connection refused');
        return inner.ingestActivations(...args);
      },
    });
    const { ingestor, metrics } = setup({}, flaky);
    let keepAlives = 0;
    const sum = await ingestor.ingestBatch([raw(activationMessage({}, { activationId: id(), name: 'ns/c' }))], async () => {
      keepAlives++;
    });
    expect(sum.applied).to.equal(1);
    expect(keepAlives).to.be.at.least(3);
    expect(await counter(metrics, 'pronghorn_store_errors_total', { target: 'store' })).to.equal(3);
    expect(ingestor.healthy).to.equal(true);
    expect((await inner.getActionStats('ns/c')).activations).to.equal(1);
  });

  it('waits briefly for late lineage, then applies with it; gives up after the grace period', async () => {
    const store = new MemoryStateStore();
    const { ingestor } = setup({ lineageGraceMs: 1000 }, store);
    const ts = Date.now();
    const lin = (activationId: string, n: number) => ({ activationId, action: 'ns/d', workerId: 'w', requestNumber: n, requestsSinceStart: n, origin: { kind: 'cold' as const }, recordedAt: ts });
    const first = id();
    await store.recordLineage(lin(first, 1));
    const late = id();
    const pending = ingestor.ingestBatch([raw(activationMessage({ timestamp: ts }, { activationId: first, name: 'ns/d' })), raw(activationMessage({ timestamp: ts }, { activationId: late, name: 'ns/d', initTime: 0, duration: 4 }))]);
    setTimeout(() => void store.recordLineage(lin(late, 2)), 120);
    expect((await pending).applied).to.equal(2);
    let s = await store.getActionStats('ns/d');
    expect(s.withLineage).to.equal(2);
    expect(s.slots.map((e) => e.slot)).to.deep.equal([1, 2]);

    const { ingestor: quick } = setup({ lineageGraceMs: 150 }, store);
    const t0 = Date.now();
    await quick.ingestBatch([raw(activationMessage({ timestamp: ts }, { activationId: id(), name: 'ns/d' }))]);
    expect(Date.now() - t0).to.be.at.least(140);
    s = await store.getActionStats('ns/d');
    expect(s).to.include({ activations: 3, withoutLineage: 1 });
  });
});
