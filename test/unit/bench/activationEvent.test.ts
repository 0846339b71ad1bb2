import { expect } from 'chai';
import { buildActivationEvent, newActivationId } from '../../../src/bench/activationEvent';
import { parseEventMessage, toActivationFact, validateEventMessage } from '../../../src/events/parse';

const base = { action: 'guest/demo/wordcount', activationId: newActivationId(), statusCode: 0 as const, memoryMb: 256, timestamp: 1764320000123 };

describe('activation events (OpenWhisk EventMessage format)', () => {
  it('uses 32 lowercase hex characters for activation ids', () => {
    const ids = new Set(Array.from({ length: 50 }, newActivationId));
    expect(ids.size).to.equal(50);
    for (const id of ids) expect(id).to.match(/^[0-9a-f]{32}$/);
  });

  it('reports a cold start as OpenWhisk does: whole ms, duration includes initTime', () => {
    const e = buildActivationEvent({ ...base, initMs: 41.4, runMs: 15.6, waitMs: 1234.2, size: 24 });
    expect(e).to.deep.equal({
      source: 'invoker0',
      body: {
        name: 'guest/demo/wordcount',
        activationId: base.activationId,
        statusCode: 0,
        duration: 57,
        waitTime: 1234,
        initTime: 41,
        kind: 'nodejs:20',
        conductor: false,
        memory: 256,
        size: 24,
      },
      subject: 'guest',
      namespace: 'guest',
      userId: '23bc46b1-71f6-4ed5-8c54-816aa4f8c502',
      eventType: 'Activation',
      timestamp: 1764320000123,
    });
  });

  it('reports a warm activation with initTime 0 and omits absent optionals', () => {
    const e = buildActivationEvent({ ...base, initMs: 0, runMs: 0.4, waitMs: 0.2 });
    expect(e.body.initTime).to.equal(0);
    expect(e.body.duration).to.equal(0);
    expect(e.body).to.not.have.property('size');
    expect(JSON.stringify(e)).to.not.contain('null');
  });

  it('never reports a sub-millisecond /init as a warm start', () => {
    const e = buildActivationEvent({ ...base, initMs: 0.3, runMs: 2, waitMs: 0 });
    expect(e.body.initTime).to.equal(1);
    expect(e.body.duration).to.equal(3);
  });

  it('passes the sidecar\'s EventMessage validation, as an object and as Kafka JSON', () => {
    const cold = buildActivationEvent({ ...base, initMs: 12.2, runMs: 40, waitMs: 3, size: 10 });
    const warm = buildActivationEvent({ ...base, activationId: newActivationId(), initMs: 0, runMs: 0.2, waitMs: 0 });
    for (const e of [cold, warm]) {
      const direct = validateEventMessage(e);
      expect(direct.ok, JSON.stringify(direct)).to.equal(true);
      const viaKafka = parseEventMessage(Buffer.from(JSON.stringify(e)));
      expect(viaKafka.ok).to.equal(true);
    }
    const parsed = validateEventMessage(cold);
    if (!parsed.ok || parsed.event.eventType !== 'Activation') throw new Error('not an activation');
    expect(toActivationFact(parsed.event, { value: '' })).to.deep.include({ action: base.action, durationMs: 52, initTimeMs: 12, waitTimeMs: 3 });
  });

  it('is rejected by the sidecar when a field breaks OpenWhisk\'s format', () => {
    const e = buildActivationEvent({ ...base, initMs: 0, runMs: 1, waitMs: 0 });
    const broken = { ...e, body: { ...e.body, duration: 'fast' } };
    expect(validateEventMessage(broken).ok).to.equal(false);
  });
});
