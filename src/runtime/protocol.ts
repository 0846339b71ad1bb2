/** The OpenWhisk action protocol's request bodies (openwhisk-interfaces.md §9), validated with zod. */
import { z } from 'zod';

/** `POST /init` body: `{value: {name, main, code, binary, env}}`. */
export const InitValue = z.object({
  name: z.string().optional(),
  main: z.string().min(1).default('main'),
  code: z.string(),
  binary: z.boolean().default(false),
  env: z.record(z.string(), z.string()).default({}),
});
export type InitValue = z.infer<typeof InitValue>;
export const InitBody = z.object({ value: InitValue.partial({ code: true }).passthrough() }).passthrough();

/** `POST /run` body: `value` holds the parameters; every other key is exported as `__OW_<KEY>`. */
export const RunBody = z
  .object({
    value: z.record(z.string(), z.unknown()).default({}),
    namespace: z.string().optional(),
    action_name: z.string().optional(),
    action_version: z.string().optional(),
    activation_id: z.string().optional(),
    transaction_id: z.string().optional(),
    deadline: z.union([z.string(), z.number()]).optional(),
    api_key: z.string().optional(),
  })
  .passthrough();
export type RunBody = z.infer<typeof RunBody>;

/** Our extension: the agent tells a restored runtime where it now lives, so the action can reseed. */
export const RestoredBody = z
  .object({
    workerId: z.string().optional(),
    snapshotId: z.string().optional(),
    requestNumber: z.number().int().nonnegative().optional(),
    /** Touch the whole heap once before answering (heap.ts), so that the first request does not. */
    prefault: z.boolean().optional(),
  })
  .passthrough();
export type RestoredBody = z.infer<typeof RestoredBody>;

/** Printed on stdout and stderr after every activation; OpenWhisk's log collection waits for it. */
export const LOG_SENTINEL = 'XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX';
