/**
 * Policies by name. A spec is `cold`, `fixed:N`, `init`, `artifact` or `pronghorn`, optionally followed
 * by parameters in query form (`pronghorn?capacity=6&thompson=false`); parameters may also be passed as
 * an object (e.g. mapped from action annotations). Parameters are validated with zod: unknown or
 * out-of-range ones are rejected with every problem listed.
 */
import { z } from 'zod';
import { ArtifactPolicy, artifactDefaults, artifactParamsSchema } from './artifact';
import { ColdPolicy, FixedPolicy } from './baselines';
import { PronghornPolicy, pronghornDefaults, pronghornParamsSchema } from './pronghorn';
import type { Policy } from './types';

export const POLICY_NAMES = ['cold', 'fixed:N', 'init', 'artifact', 'pronghorn'] as const;

/** Parameter schemas and defaults of the policies that have parameters. */
export const policyParamSchemas = { artifact: artifactParamsSchema, pronghorn: pronghornParamsSchema } as const;
export const policyDefaults = { artifact: artifactDefaults, pronghorn: pronghornDefaults } as const;

export class PolicySpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicySpecError';
  }
}

function parseQuery(query: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new PolicySpecError(`policy parameter "${part}" is not key=value`);
    out[decodeURIComponent(part.slice(0, eq))] = decodeURIComponent(part.slice(eq + 1));
  }
  return out;
}

function validate<S extends z.ZodTypeAny>(policy: string, schema: S, raw: Record<string, unknown>): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
    throw new PolicySpecError(`invalid parameters for policy ${policy} (${issues.length} problem${issues.length > 1 ? 's' : ''}): ${issues.join('; ')}`);
  }
  return parsed.data;
}

export function createPolicy(spec: string, params: Record<string, unknown> = {}): Policy {
  const q = spec.indexOf('?');
  const name = (q >= 0 ? spec.slice(0, q) : spec).trim();
  const raw = { ...(q >= 0 ? parseQuery(spec.slice(q + 1)) : {}), ...params };
  const noParams = (): void => {
    if (Object.keys(raw).length > 0) throw new PolicySpecError(`policy ${name} takes no parameters (got ${Object.keys(raw).join(', ')})`);
  };
  if (name === 'cold') {
    noParams();
    return new ColdPolicy();
  }
  if (name === 'init') {
    noParams();
    return new FixedPolicy('init', 0);
  }
  const fixed = /^fixed:(\d+)$/.exec(name);
  if (fixed) {
    noParams();
    const n = Number(fixed[1]);
    if (!Number.isSafeInteger(n)) throw new PolicySpecError(`fixed:N needs a whole request number, got ${fixed[1]}`);
    return new FixedPolicy(name, n);
  }
  if (name === 'artifact') return new ArtifactPolicy(validate(name, artifactParamsSchema, raw), spec);
  if (name === 'pronghorn') return new PronghornPolicy(validate(name, pronghornParamsSchema, raw), spec);
  throw new PolicySpecError(`unknown policy "${name}"; valid: ${POLICY_NAMES.join(', ')} (e.g. fixed:1, pronghorn?capacity=6)`);
}
