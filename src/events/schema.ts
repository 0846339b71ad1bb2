/**
 * OpenWhisk's EventMessage on the `events` topic (openwhisk-interfaces.md §4), validated at the boundary.
 * Field names and types are exactly as OpenWhisk writes them; optional fields are optional, unknown
 * fields are kept (passthrough), and the historical variants are accepted:
 * - before OpenWhisk added `activationId` to the Activation body, events had none (we then derive an id
 *   from the message bytes, so that every copy of an event has the same name);
 * - `size` and `userDefinedStatusCode` were added later and may be absent; `causedBy` only on sequence
 *   components.
 */
import { z } from 'zod';

/** `ns/name` or `ns/pkg/name`, no leading slash, no empty segment. */
export const ACTION_NAME = /^[^/\s{}]+(\/[^/\s{}]+){1,2}$/;

/** What an activation id may look like (it travels in the store's comma/semicolon-separated plans). */
export const ACTIVATION_ID = /^[A-Za-z0-9_.:-]{1,128}$/;

const int = z.number().int();
const nonNegInt = int.nonnegative();

export const activationBodySchema = z
  .object({
    name: z.string().regex(ACTION_NAME, 'expected ns/name or ns/pkg/name'),
    // OpenWhisk writes 32 hex characters; anything id-like is accepted, but no separators or spaces.
    activationId: z.string().regex(ACTIVATION_ID, 'expected an activation id (32 hex characters)').optional(),
    statusCode: int,
    duration: nonNegInt,
    waitTime: nonNegInt,
    initTime: nonNegInt,
    kind: z.string(),
    conductor: z.boolean(),
    memory: nonNegInt,
    causedBy: z.string().optional(),
    size: int.optional(),
    userDefinedStatusCode: int.optional(),
  })
  .passthrough();

export const metricBodySchema = z
  .object({
    metricName: z.string().min(1),
    metricValue: int,
  })
  .passthrough();

export const envelopeSchema = z
  .object({
    source: z.string().min(1),
    body: z.record(z.unknown()),
    subject: z.string(),
    namespace: z.string(),
    userId: z.string(),
    eventType: z.enum(['Activation', 'Metric']),
    timestamp: nonNegInt,
  })
  .passthrough();

export type ActivationBody = z.infer<typeof activationBodySchema>;
export type MetricBody = z.infer<typeof metricBodySchema>;
/** The envelope's fields other than body and eventType (unknown extra fields are kept). */
interface Envelope {
  source: string;
  subject: string;
  namespace: string;
  userId: string;
  timestamp: number;
  [extra: string]: unknown;
}

export type ActivationEvent = Envelope & { eventType: 'Activation'; body: ActivationBody };
export type MetricEvent = Envelope & { eventType: 'Metric'; body: MetricBody };
export type EventMessage = ActivationEvent | MetricEvent;
