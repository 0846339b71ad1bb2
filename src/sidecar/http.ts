/** The sidecar's HTTP port: Prometheus metrics, liveness and readiness. */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export interface Readiness {
  /** Each check: name -> ok. Ready when all are ok. */
  checks(): Promise<Record<string, boolean>>;
}

export function buildHttp(registry: Registry, readiness: Readiness): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const checks = await readiness.checks();
    const ready = Object.values(checks).every(Boolean);
    reply.code(ready ? 200 : 503);
    return { ready, checks };
  });
  return app;
}

/** `PORT` or `HOST:PORT` -> fastify listen options. */
export function parseListen(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return i < 0 ? { host: '0.0.0.0', port: Number(listen) } : { host: listen.slice(0, i), port: Number(listen.slice(i + 1)) };
}
