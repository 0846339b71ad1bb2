/**
 * One registry for every setting of every component: its environment variable, default, schema and
 * meaning. Components declare their settings with `defineSettings`; `pronghorn config` prints them all,
 * and a test checks that docs/configuration.md documents each one.
 */
import { z } from 'zod';

export interface SettingSpec<S extends z.ZodTypeAny = z.ZodTypeAny> {
  /** Environment variable that sets it (flags, where a command has one, take precedence). */
  env: string;
  /** Zod schema; strings from the environment are coerced by it (use z.coerce for numbers). */
  schema: S;
  /** Default as a value of the schema's output type; undefined means "unset". */
  default: z.output<S> | undefined;
  description: string;
  /**
   * An empty value is a value (given to the schema) rather than "unset". For settings where empty
   * means something, e.g. runtime NODE_OPTIONS: empty is "no options", not the default's options.
   */
  emptyIsValue?: boolean;
}

type SpecMap = Record<string, SettingSpec>;
export type SettingsOf<M extends SpecMap> = { [K in keyof M]: z.output<M[K]['schema']> };

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const registry = new Map<string, SpecMap>();

export interface SettingsGroup<M extends SpecMap> {
  component: string;
  specs: M;
  /** Reads env (or `env` given) plus explicit overrides (e.g. parsed flags); throws ConfigError naming the variable. */
  load(overrides?: Partial<{ [K in keyof M]: unknown }>, env?: NodeJS.ProcessEnv): SettingsOf<M>;
}

export function defineSettings<M extends SpecMap>(component: string, specs: M): SettingsGroup<M> {
  registry.set(component, specs);
  return {
    component,
    specs,
    load(overrides = {}, env = process.env) {
      const out: Record<string, unknown> = {};
      for (const [key, spec] of Object.entries(specs)) {
        const override = (overrides as Record<string, unknown>)[key];
        const raw = override !== undefined ? override : env[spec.env];
        if (raw === undefined || (raw === '' && spec.emptyIsValue !== true)) {
          out[key] = spec.default;
          continue;
        }
        const parsed = spec.schema.safeParse(raw);
        if (!parsed.success) {
          const source = override !== undefined ? `option for ${spec.env}` : spec.env;
          const why = parsed.error.issues.map((i) => i.message).join('; ');
          throw new ConfigError(`invalid ${source}=${JSON.stringify(raw)}: ${why} (${spec.description})`);
        }
        out[key] = parsed.data;
      }
      return out as SettingsOf<M>;
    },
  };
}

/** Settings that earlier versions read, and why they are gone: when set, they are ignored and reported. */
export const RETIRED_SETTINGS: Readonly<Record<string, string>> = {
  PRONGHORN_DEDUP_TTL_SEC: "redeliveries are dropped by each partition's offset watermark; nothing is kept per activation",
};

/** The retired settings that `env` still sets. */
export function retiredSettingsIn(env: NodeJS.ProcessEnv = process.env): { env: string; why: string }[] {
  return Object.entries(RETIRED_SETTINGS)
    .filter(([name]) => env[name] !== undefined)
    .map(([name, why]) => ({ env: name, why }));
}

/** Every registered group, for `pronghorn config` and the documentation test. */
export function allSettings(): ReadonlyMap<string, SpecMap> {
  return registry;
}

/** Boolean from env-style strings: 1/0, true/false, yes/no, on/off. */
export const zBool = z.union([
  z.boolean(),
  z
    .string()
    .toLowerCase()
    .refine((s) => ['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'].includes(s), 'expected true/false')
    .transform((s) => ['1', 'true', 'yes', 'on'].includes(s)),
]);
