import { expect } from 'chai';
import { fastActivation } from '../../../src/events/fast-check';
import { activationBodySchema, envelopeSchema } from '../../../src/events/schema';
import { parseEventMessage } from '../../../src/events/parse';
import { activationMessage } from './fixtures';

/** What zod alone says about a message (the fast path bypassed). */
function zodAccepts(json: unknown): boolean {
  const env = envelopeSchema.safeParse(json);
  if (!env.success || env.data.eventType !== 'Activation' || 'metricName' in env.data.body) return false;
  return activationBodySchema.safeParse(env.data.body).success;
}

const ODD_VALUES: unknown[] = [undefined, null, '', 'x', '12', 0, -1, 1.5, 2 ** 60, true, false, [], {}, [1], { a: 1 }, NaN];
const ENVELOPE_FIELDS = ['source', 'body', 'subject', 'namespace', 'userId', 'eventType', 'timestamp'];
const BODY_FIELDS = ['name', 'activationId', 'statusCode', 'duration', 'waitTime', 'initTime', 'kind', 'conductor', 'memory', 'causedBy', 'size', 'userDefinedStatusCode', 'metricName'];

function variants(): unknown[] {
  const out: unknown[] = [null, 1, 'x', [], activationMessage(), activationMessage({ extra: { nested: true } }, { future: 1 })];
  for (const field of ENVELOPE_FIELDS) {
    for (const v of ODD_VALUES) {
      const m = activationMessage();
      if (v === undefined) delete m[field];
      else m[field] = v;
      out.push(m);
    }
  }
  for (const field of BODY_FIELDS) {
    for (const v of [...ODD_VALUES, 'a'.repeat(129), 'ns/a/b/c', '/ns/a', 'ns', 'ns/a b', 'id,1', 'Metric']) {
      const body: Record<string, unknown> = {};
      if (v === undefined) out.push(activationMessage({}, { [field]: undefined }));
      body[field] = v;
      out.push(activationMessage({}, body));
    }
  }
  out.push(activationMessage({ eventType: 'Metric' }), activationMessage({}, { activationId: undefined, size: undefined, userDefinedStatusCode: undefined }));
  return out;
}

describe('events: fast pre-check', () => {
  it('accepts only what zod accepts, and returns what zod returns', () => {
    let accepted = 0;
    for (const json of variants()) {
      // JSON round trip: what a Kafka message decodes to (drops undefined fields).
      const decoded: unknown = json === undefined ? undefined : JSON.parse(JSON.stringify(json));
      const fast = fastActivation(decoded);
      if (fast === undefined) continue;
      accepted++;
      expect(zodAccepts(decoded), JSON.stringify(decoded)).to.equal(true);
      const env = envelopeSchema.parse(decoded);
      expect(fast).to.deep.equal({ ...env, body: activationBodySchema.parse(env.body) });
    }
    expect(accepted).to.be.greaterThan(20);
  });

  it('takes the common OpenWhisk shapes, old and new', () => {
    expect(fastActivation(activationMessage())).to.not.equal(undefined);
    const old = activationMessage();
    const body = old.body as Record<string, unknown>;
    delete body.activationId;
    delete body.size;
    delete body.userDefinedStatusCode;
    expect(fastActivation(old)).to.not.equal(undefined);
  });

  it('leaves rejections to zod, with their reasons', () => {
    expect(fastActivation(activationMessage({}, { duration: -1 }))).to.equal(undefined);
    const r = parseEventMessage(JSON.stringify(activationMessage({}, { duration: -1 })));
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.reason).to.equal('invalid_activation');
    const t = parseEventMessage(JSON.stringify(activationMessage({}, { metricName: 'ConcurrentInvocations', metricValue: 1 })));
    expect(t.ok).to.equal(false);
    if (!t.ok) expect(t.reason).to.equal('type_mismatch');
  });
});
