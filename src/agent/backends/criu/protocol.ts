/**
 * Messages between the agent and a worker supervisor (JSON, one per line: commands on the
 * supervisor's stdin, replies and events on its stdout).
 */
import { z } from 'zod';

export const SupervisorCommand = z.discriminatedUnion('op', [
  z.object({ id: z.number().int(), op: z.literal('spawn'), env: z.record(z.string(), z.string()) }),
  z.object({ id: z.number().int(), op: z.literal('dump'), imageDir: z.string().startsWith('/'), workDir: z.string().startsWith('/') }),
  z.object({ id: z.number().int(), op: z.literal('restore'), imageDir: z.string().startsWith('/'), workDir: z.string().startsWith('/') }),
]);
export type SupervisorCommand = z.infer<typeof SupervisorCommand>;

export const SupervisorMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), pid: z.number().int() }),
  z.object({ type: z.literal('reply'), id: z.number().int(), ok: z.boolean(), error: z.string().optional(), pid: z.number().int().optional(), ms: z.number().optional(), prewarmed: z.boolean().optional() }),
  z.object({ type: z.literal('exit'), pid: z.number().int(), code: z.number().int().nullable(), signal: z.string().nullable() }),
]);
export type SupervisorMessage = z.infer<typeof SupervisorMessage>;

/** Names inside a worker's own directory, which each worker's mount namespace shows at the same path. */
export const RUNTIME_SOCKET = 'rt.sock';
export const RUNTIME_LOG = 'out.log';
/**
 * PID given to the runtime inside its PID namespace. CRIU restores original PIDs; a high one keeps the
 * runtime and its threads clear of the PIDs that the supervisor and CRIU itself take in a new namespace.
 */
export const RUNTIME_PID = 5000;
