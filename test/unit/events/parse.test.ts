import { expect } from 'chai';
import { Readable } from 'node:stream';
import { parseEventMessage, streamOf, toActivationFact } from '../../../src/events/parse';
import { checkStream } from '../../../src/events/check';
import { activationMessage } from './fixtures';

const metric = { source: 'controller0', body: { metricName: 'ConcurrentInvocations', metricValue: 1 }, subject: 'guest', namespace: 'guest', userId: 'u', eventType: 'Metric', timestamp: 1606353576088 };

describe('EventMessage parsing', () => {
  it('accepts an Activation as OpenWhisk writes it, and unknown extra fields', () => {
    const r = parseEventMessage(JSON.stringify(activationMessage({ extra: 1 }, { futureField: 'x' })));
    expect(r.ok).to.equal(true);
    if (!r.ok || r.event.eventType !== 'Activation') throw new Error('expected an activation');
    expect(r.event.body.name).to.equal('guest/pkg/hello');
    const fact = toActivationFact(r.event, { value: '' });
    expect(fact).to.deep.include({ action: 'guest/pkg/hello', durationMs: 120, initTimeMs: 100, statusCode: 0, timestamp: 1_764_300_000_000 });
  });

  it('names the stream and offset an activation came from, for the store to drop redeliveries', () => {
    const r = parseEventMessage(JSON.stringify(activationMessage()));
    if (!r.ok || r.event.eventType !== 'Activation') throw new Error('expected an activation');
    const stream = streamOf({ source: 'kafka', topic: 'events', partition: 3 });
    expect(stream).to.equal('events:3');
    expect(streamOf({ source: 'in-process' })).to.equal('in-process');
    expect(toActivationFact(r.event, { value: '', offset: '17' }, stream)).to.include({ stream: 'events:3', offset: 17 });
    // Without a usable offset the fact carries no position (and is always applied).
    expect(toActivationFact(r.event, { value: '', offset: 'x' }, stream)).to.include({ stream: undefined, offset: undefined });
    expect(toActivationFact(r.event, { value: '' })).to.include({ stream: undefined, offset: undefined });
  });

  it('accepts historical variants: no activationId, no size/userDefinedStatusCode, a sequence component', () => {
    const old = activationMessage({}, { causedBy: 'sequence' });
    const body = old.body as Record<string, unknown>;
    delete body.activationId;
    delete body.size;
    delete body.userDefinedStatusCode;
    const raw = JSON.stringify(old);
    const r = parseEventMessage(raw);
    if (!r.ok || r.event.eventType !== 'Activation') throw new Error(`rejected: ${JSON.stringify(r)}`);
    const a = toActivationFact(r.event, { value: raw });
    const b = toActivationFact(r.event, { value: raw });
    // The same bytes (a redelivery) give the same derived id.
    expect(a.activationId).to.match(/^sha1-[0-9a-f]{40}$/).and.equal(b.activationId);
  });

  it('accepts Metric events', () => {
    const r = parseEventMessage(Buffer.from(JSON.stringify(metric)));
    expect(r.ok && r.event.eventType).to.equal('Metric');
  });

  const cases: [string, unknown, string][] = [
    ['empty', '', 'empty'],
    ['not JSON', '{"source":', 'not_json'],
    ['an array', '[1,2]', 'invalid_envelope'],
    ['unknown eventType', JSON.stringify(activationMessage({ eventType: 'Bogus' })), 'invalid_envelope'],
    ['missing timestamp', JSON.stringify({ ...activationMessage(), timestamp: undefined }), 'invalid_envelope'],
    ['duration as a string', JSON.stringify(activationMessage({}, { duration: '12' })), 'invalid_activation'],
    ['negative initTime', JSON.stringify(activationMessage({}, { initTime: -1 })), 'invalid_activation'],
    ['name with a leading slash', JSON.stringify(activationMessage({}, { name: '/guest/hello' })), 'invalid_activation'],
    ['name without namespace', JSON.stringify(activationMessage({}, { name: 'hello' })), 'invalid_activation'],
    ['Metric body under Activation', JSON.stringify({ ...metric, eventType: 'Activation' }), 'type_mismatch'],
    ['metricValue not an integer', JSON.stringify({ ...metric, body: { metricName: 'x', metricValue: 1.5 } }), 'invalid_metric'],
  ];
  for (const [what, raw, reason] of cases) {
    it(`rejects ${what} as ${reason}, without throwing`, () => {
      const r = parseEventMessage(raw as string);
      expect(r.ok).to.equal(false);
      if (!r.ok) {
        expect(r.reason).to.equal(reason);
        expect(r.error).to.be.a('string').and.not.equal('');
      }
    });
  }

  it('survives hostile input', () => {
    for (const raw of ['null', 'true', '"x"', '1e999', '{"__proto__":{"polluted":1}}', 'x'.repeat(100_000), '\u0000']) {
      expect(parseEventMessage(raw).ok).to.equal(false);
    }
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
  });
});

describe('events check', () => {
  it('prints one verdict per input line', async () => {
    const lines = [JSON.stringify(activationMessage()), JSON.stringify(activationMessage({}, { initTime: 0, duration: 5 })), JSON.stringify(metric), 'garbage'];
    const out = [];
    for await (const v of checkStream(Readable.from(lines.join('\n') + '\n'))) out.push(v);
    expect(out).to.have.length(4);
    expect(out[0]).to.deep.equal({ line: 1, ok: true, eventType: 'Activation', action: 'guest/pkg/hello', coldStart: true, error: null });
    expect(out[1]).to.deep.include({ line: 2, ok: true, coldStart: false });
    expect(out[2]).to.deep.equal({ line: 3, ok: true, eventType: 'Metric', action: null, coldStart: null, error: null });
    expect(out[3]).to.deep.include({ line: 4, ok: false, eventType: null, action: null, coldStart: null });
    expect(out[3].error).to.match(/^not_json/);
  });
});
