/**
 * A cheap pre-check for the common case: an Activation EventMessage that zod would certainly accept as
 * it is. It only ever *accepts*: whatever it is unsure about (a Metric, a missing or odd field, a
 * historical variant) goes to the zod schemas in schema.ts, which remain the one definition of what is
 * valid and produce every rejection reason. Validating with zod costs about as much as everything
 * else per event together; this check costs a fraction of it. A unit test holds the two in agreement
 * (whatever this accepts, zod accepts with the same result).
 *
 * Mirrors: envelopeSchema (source non-empty string, subject/namespace/userId strings, eventType
 * 'Activation', timestamp non-negative integer, body a plain object) and activationBodySchema.
 */
import { ACTION_NAME, ACTIVATION_ID, type ActivationEvent } from './schema';

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isNonNegInt = (v: unknown): v is number => isInt(v) && v >= 0;
const isOptional = (v: unknown, check: (x: unknown) => boolean) => v === undefined || check(v);
const isString = (v: unknown): v is string => typeof v === 'string';

/** The message itself, typed, when it is a plain valid Activation event; undefined: ask zod. */
export function fastActivation(json: unknown): ActivationEvent | undefined {
  if (!isObject(json)) return undefined;
  const body = json.body;
  if (
    json.eventType !== 'Activation' ||
    !isObject(body) ||
    !isString(json.source) ||
    json.source.length === 0 ||
    !isString(json.subject) ||
    !isString(json.namespace) ||
    !isString(json.userId) ||
    !isNonNegInt(json.timestamp) ||
    // A Metric body under an Activation envelope is a type mismatch: zod reports it.
    'metricName' in body
  ) {
    return undefined;
  }
  if (
    !isString(body.name) ||
    !ACTION_NAME.test(body.name) ||
    !isOptional(body.activationId, (id) => isString(id) && ACTIVATION_ID.test(id)) ||
    !isInt(body.statusCode) ||
    !isNonNegInt(body.duration) ||
    !isNonNegInt(body.waitTime) ||
    !isNonNegInt(body.initTime) ||
    !isString(body.kind) ||
    typeof body.conductor !== 'boolean' ||
    !isNonNegInt(body.memory) ||
    !isOptional(body.causedBy, isString) ||
    !isOptional(body.size, isInt) ||
    !isOptional(body.userDefinedStatusCode, isInt)
  ) {
    return undefined;
  }
  return json as ActivationEvent;
}
