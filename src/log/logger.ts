/** Structured JSON logs (pino) on stderr, so stdout stays free for command output such as --json. */
import pino from 'pino';

const level = process.env.PRONGHORN_LOG_LEVEL ?? 'info';

export const rootLogger = pino({ level, base: { pid: process.pid } }, pino.destination(2));

export function logger(component: string): pino.Logger {
  return rootLogger.child({ component });
}

export type Logger = pino.Logger;
