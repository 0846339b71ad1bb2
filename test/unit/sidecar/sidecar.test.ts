import { expect } from 'chai';
import axios from 'axios';
import { startSidecar } from '../../../src/sidecar/main';
import { sidecarSettings } from '../../../src/sidecar/settings';
import { InProcessEventBus } from '../../../src/events/bus';
import { MemoryStateStore } from '../../../src/store/memory';
import { activationMessage } from '../events/fixtures';

describe('sidecar (embedded: in-process bus, memory store)', () => {
  it('ingests published events, serves /metrics, /healthz, /readyz and runs an orchestrator hook', async () => {
    const settings = sidecarSettings.load({ listen: '127.0.0.1:0' }, {});
    const bus = new InProcessEventBus();
    const store = new MemoryStateStore();
    const calls: string[] = [];
    const sidecar = await startSidecar({
      settings,
      source: bus,
      store,
      orchestrator: {
        start: (ctx) => {
          calls.push(`start:${ctx.source.kind}`);
        },
        stop: () => {
          calls.push('stop');
        },
      },
    });
    try {
      for (let i = 0; i < 25; i++) bus.publish(activationMessage({}, { activationId: String(i).padStart(32, '0'), name: 'guest/e' }));
      bus.publish('{broken');
      await bus.flush();
      expect((await store.getActionStats('guest/e')).activations).to.equal(25);
      const base = sidecar.url!;
      expect((await axios.get(`${base}/healthz`)).data).to.deep.equal({ status: 'ok' });
      const ready = await axios.get(`${base}/readyz`);
      expect(ready.status).to.equal(200);
      expect(ready.data).to.deep.equal({ ready: true, checks: { events: true, store: true } });
      const metrics = (await axios.get(`${base}/metrics`)).data as string;
      expect(metrics).to.match(/pronghorn_events_total\{outcome="applied"\} 25/);
      expect(metrics).to.match(/pronghorn_events_rejected_total\{reason="not_json"\} 1/);
      expect(metrics).to.match(/process_resident_memory_bytes/);
    } finally {
      await sidecar.stop();
    }
    expect(calls).to.deep.equal(['start:in-process', 'stop']);
  });

  it('reports not ready while the store is unreachable', async () => {
    const settings = sidecarSettings.load({ listen: '127.0.0.1:0' }, {});
    const store = new MemoryStateStore();
    store.ping = async () => false;
    const sidecar = await startSidecar({ settings, source: new InProcessEventBus(), store });
    try {
      const res = await axios.get(`${sidecar.url}/readyz`, { validateStatus: () => true });
      expect(res.status).to.equal(503);
      expect(res.data.checks.store).to.equal(false);
    } finally {
      await sidecar.stop();
    }
  });
});
