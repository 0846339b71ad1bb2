/**
 * Turns raw `events` messages into validated EventMessages, or into a counted reject reason. Never
 * throws: whatever a producer sends ends up either parsed or rejected with a reason.
 */
import { createHash } from 'node:crypto';
import type { ZodError } from 'zod';
import type { ActivationFact } from '../store/types';
import type { RawEvent } from './source';
import { fastActivation } from './fast-check';
import { activationBodySchema, envelopeSchema, metricBodySchema, type ActivationEvent, type EventMessage } from './schema';

/** Why a message was rejected; also the `reason` label of the rejects counter and the DLQ record. */
export const REJECT_REASONS = ['empty', 'not_json', 'invalid_envelope', 'invalid_activation', 'invalid_metric', 'type_mismatch'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export type ParseResult =
  | { ok: true; event: EventMessage }
  | { ok: false; reason: RejectReason; error: string; eventType: 'Activation' | 'Metric' | null };

function describe(err: ZodError, prefix = ''): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${[prefix, ...i.path].filter((p) => p !== '').join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

export function parseEventMessage(raw: Buffer | string | null | undefined): ParseResult {
  if (raw === null || raw === undefined || raw.length === 0) {
    return { ok: false, reason: 'empty', error: 'empty message', eventType: null };
  }
  let json: unknown;
  try {
    json = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch (e) {
    return { ok: false, reason: 'not_json', error: `not JSON: ${(e as Error).message}`, eventType: null };
  }
  return validateEventMessage(json);
}

/** Validates an already decoded message (the in-process bus hands over objects). */
export function validateEventMessage(json: unknown): ParseResult {
  // The common shape, checked cheaply; anything else (and every rejection) through zod.
  const fast = fastActivation(json);
  if (fast !== undefined) return { ok: true, event: fast };
  const env = envelopeSchema.safeParse(json);
  if (!env.success) return { ok: false, reason: 'invalid_envelope', error: describe(env.error), eventType: null };
  const { eventType, body } = env.data;
  // OpenWhisk decides the body type by the presence of metricName; the two must agree.
  const looksLikeMetric = 'metricName' in body;
  if (looksLikeMetric !== (eventType === 'Metric')) {
    return { ok: false, reason: 'type_mismatch', error: `eventType ${eventType} with a ${looksLikeMetric ? 'Metric' : 'Activation'} body`, eventType };
  }
  if (eventType === 'Metric') {
    const m = metricBodySchema.safeParse(body);
    if (!m.success) return { ok: false, reason: 'invalid_metric', error: describe(m.error, 'body'), eventType };
    return { ok: true, event: { ...env.data, eventType, body: m.data } };
  }
  const a = activationBodySchema.safeParse(body);
  if (!a.success) return { ok: false, reason: 'invalid_activation', error: describe(a.error, 'body'), eventType };
  return { ok: true, event: { ...env.data, eventType, body: a.data } };
}

function contentId(received: Pick<RawEvent, 'value' | 'decoded'>): string {
  const bytes = received.decoded !== undefined ? JSON.stringify(received.decoded) : (received.value ?? '');
  return `sha1-${createHash('sha1').update(bytes).digest('hex')}`;
}

/** Kinds that do not run in a container of their own (controller-side compositions, fallback records). */
const NON_CONTAINER_KINDS = new Set(['sequence', 'unknown']);

export function runsInContainer(ev: ActivationEvent): boolean {
  return !NON_CONTAINER_KINDS.has(ev.body.kind);
}

/** The stream an event came from, as the store keys its watermark: "topic:partition", else the source. */
export function streamOf(origin: RawEvent['origin']): string {
  return origin.topic !== undefined ? `${origin.topic}:${origin.partition ?? 0}` : origin.source;
}

/**
 * The store's view of an Activation event. Historical events carry no activationId: they are named by
 * a hash of the message as received (`received`: its bytes, or the object the in-process bus handed over).
 * `stream` (streamOf the event's origin) and the offset let the store drop redeliveries.
 */
export function toActivationFact(ev: ActivationEvent, received: Pick<RawEvent, 'value' | 'decoded' | 'offset'>, stream?: string): ActivationFact {
  const b = ev.body;
  const offset = received.offset !== undefined ? Number(received.offset) : NaN;
  const positioned = stream !== undefined && Number.isSafeInteger(offset);
  // One literal with every field: facts are built per event and should share one shape.
  return {
    action: b.name,
    activationId: b.activationId !== undefined ? b.activationId : contentId(received),
    statusCode: b.statusCode,
    durationMs: b.duration,
    initTimeMs: b.initTime,
    waitTimeMs: b.waitTime,
    timestamp: ev.timestamp,
    stream: positioned ? stream : undefined,
    offset: positioned ? offset : undefined,
  };
}
