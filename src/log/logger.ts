/** Structured JSON logs (pino) on stderr, so stdout stays free for command output such as --json. */
import pino from 'pino';

const level = process.env.PRONGHORN_LOG_LEVEL ?? 'info';

export const rootLogger = pino({ level, base: { pid: process.pid } }, pino.destination(2));

export function logger(component: string): pino.Logger {
  return rootLogger.child({ component });
}

/**
 * A logger for one part of a component (the agent inside `pronghorn up`, say). pino writes a child's
 * bindings after its parent's, so a second `component` would appear twice in one JSON line; the part
 * gets its own key instead.
 */
export function partLogger(parent: pino.Logger, part: string): pino.Logger {
  return parent.child(parent.bindings().part === undefined ? { part } : { subpart: part });
}

export type Logger = pino.Logger;
