/** Identifiers the agent hands out; validated wherever they come back, since they name directories. */
import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';

const ID = /^[a-z][a-z0-9-]{2,63}$/;

export const SnapshotId = z.string().regex(ID, 'snapshot ids are lower-case letters, digits and dashes (3-64 characters)');
export const WorkerId = z.string().regex(ID, 'worker ids are lower-case letters, digits and dashes (3-64 characters)');

export function newSnapshotId(): string {
  return `snap-${randomBytes(8).toString('hex')}`;
}

export function newWorkerId(): string {
  return `wk-${randomBytes(8).toString('hex')}`;
}

/** OpenWhisk activation ids are 32 hex characters; we accept any short token-like id. */
export const ActivationId = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'activation ids are 1-128 letters, digits, _ or -');

/** 32 hex characters, like OpenWhisk's; randomUUID draws from a cached entropy pool (cheaper per call). */
export function newActivationId(): string {
  return randomUUID().replace(/-/g, '');
}

/** Fully qualified action name without a leading slash: `ns/name` or `ns/pkg/name`. */
export const ActionName = z
  .string()
  .regex(/^[^/\s]+(\/[^/\s]+){1,2}$/, 'action names are ns/name or ns/pkg/name, without a leading slash');
