/**
 * Pronghorn's action annotations, set with `wsk action update A -a pronghorn true -a pronghorn-pool-size 12`.
 * The CLI sends a value as JSON when it parses (`true`, `12`), else as a string; both are accepted.
 * A bad annotation never disables ingest: it is reported and its default is used instead.
 */
import { z } from 'zod';
import { createPolicy } from '../policy/registry';

/** JSON boolean, or the strings true/false/yes/no/1/0 (what `-a pronghorn yes` would send). */
const flag = z.union([
  z.boolean(),
  z
    .string()
    .toLowerCase()
    .refine((s) => ['true', 'false', 'yes', 'no', '1', '0', 'on', 'off'].includes(s), 'expected true or false')
    .transform((s) => ['true', 'yes', '1', 'on'].includes(s)),
]);
const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Annotation key -> schema, default and meaning (docs/sidecar.md lists the same table). */
export const ANNOTATIONS = {
  pronghorn: { schema: flag, meaning: 'Opt-in: Pronghorn manages this action’s workers (snapshots, restores)' },
  'pronghorn-policy': {
    schema: z.string().min(1).refine((spec) => {
      try {
        createPolicy(spec);
        return true;
      } catch {
        return false;
      }
    }, 'unknown policy or bad parameters (cold, init, fixed:N, artifact, pronghorn[?k=v...])'),
    meaning: 'Policy spec: pronghorn, artifact, fixed:N, init or cold, optionally with ?key=value parameters',
  },
  'pronghorn-pool-size': { schema: count(1, 1000), meaning: 'Largest snapshot pool of the action (the policy’s capacity)' },
  'pronghorn-lifetime': { schema: count(1, 1_000_000), meaning: 'Expected requests per worker before eviction; a prior until lifetimes are learned' },
  'pronghorn-horizon': { schema: count(2, 1_000_000), meaning: 'Highest request number a snapshot may be taken at (artifact policy’s M)' },
  'pronghorn-standbys': { schema: count(0, 64), meaning: 'Hot stand-by workers kept restored ahead of requests' },
} as const;

export type AnnotationKey = keyof typeof ANNOTATIONS;

/** What the sidecar does for one action. */
export interface ActionSettings {
  enabled: boolean;
  policy: string;
  poolSize?: number;
  lifetime?: number;
  horizon?: number;
  standbys?: number;
  /** `annotations` if the action carries any pronghorn annotation, `default` otherwise (or when unreachable). */
  source: 'annotations' | 'default';
  /** One message per rejected annotation (its default was used). */
  errors: string[];
}

export interface AnnotationDefaults {
  /** Opt-in for actions that carry no `pronghorn` annotation. */
  enabled: boolean;
  policy: string;
}

type KeyVal = { key: string; value: unknown };

export function settingsFromAnnotations(annotations: readonly KeyVal[] | undefined, defaults: AnnotationDefaults): ActionSettings {
  const out: ActionSettings = { enabled: defaults.enabled, policy: defaults.policy, source: 'default', errors: [] };
  for (const { key, value } of annotations ?? []) {
    if (!(key in ANNOTATIONS)) continue;
    out.source = 'annotations';
    const spec = ANNOTATIONS[key as AnnotationKey];
    const parsed = (spec.schema as z.ZodTypeAny).safeParse(value);
    if (!parsed.success) {
      out.errors.push(`${key}=${JSON.stringify(value)}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
      continue;
    }
    const v = parsed.data as never;
    switch (key as AnnotationKey) {
      case 'pronghorn':
        out.enabled = v;
        break;
      case 'pronghorn-policy':
        out.policy = v;
        break;
      case 'pronghorn-pool-size':
        out.poolSize = v;
        break;
      case 'pronghorn-lifetime':
        out.lifetime = v;
        break;
      case 'pronghorn-horizon':
        out.horizon = v;
        break;
      case 'pronghorn-standbys':
        out.standbys = v;
        break;
    }
  }
  return out;
}

/** Policy parameters implied by the annotations, for `createPolicy(settings.policy, params)`. */
export function policyParams(s: ActionSettings): Record<string, unknown> {
  const name = s.policy.split('?')[0];
  const params: Record<string, unknown> = {};
  if ((name === 'pronghorn' || name === 'artifact') && s.poolSize !== undefined) params.capacity = Math.max(name === 'pronghorn' ? 2 : 1, s.poolSize);
  if (name === 'artifact' && s.horizon !== undefined) params.horizon = Math.min(512, s.horizon);
  return params;
}
