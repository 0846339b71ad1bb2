/** Errors the agent reports to API callers: an HTTP status, a stable code and a clear message. */
export class AgentError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'AgentError';
  }
}
