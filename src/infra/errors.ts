/**
 * The error every launcher throws when a service cannot start. `cause` names what went wrong in one word
 * so tests and callers can branch on it; the message says it in words a person can act on.
 */
export type InfraFailure =
  | 'java-missing'
  | 'maven-missing'
  | 'jars-missing'
  | 'jars-fetch-failed'
  | 'port-taken'
  | 'format-failed'
  | 'exited-early'
  | 'not-ready'
  | 'redis-missing'
  | 'redis-unreachable';

export class InfraError extends Error {
  constructor(
    readonly failure: InfraFailure,
    message: string,
  ) {
    super(message);
    this.name = 'InfraError';
  }
}
