/** An Activation EventMessage as an OpenWhisk 2.0 invoker writes it. */
export function activationMessage(over: Record<string, unknown> = {}, body: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    source: 'invoker0',
    body: { name: 'guest/pkg/hello', activationId: 'a'.repeat(32), statusCode: 0, duration: 120, waitTime: 7, initTime: 100, kind: 'nodejs:20', conductor: false, memory: 256, size: 12, userDefinedStatusCode: 200, ...body },
    subject: 'guest',
    namespace: 'guest',
    userId: '23bc46b1-71f6-4ed5-8c54-816aa4f8c502',
    eventType: 'Activation',
    timestamp: 1_764_300_000_000,
    ...over,
  };
}
