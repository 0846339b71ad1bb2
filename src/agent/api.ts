/**
 * The agent's HTTP API (fastify; described in openapi.yaml). Every route but /health needs
 * `Authorization: Bearer <token>`; bodies and path parameters are validated with zod.
 */
import { timingSafeEqual } from 'node:crypto';
import Fastify, { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z, ZodError, ZodTypeAny } from 'zod';
import { InitValue, RunBody } from '../runtime/protocol';
import type { Logger } from '../log/logger';
import type { AgentCore } from './core';
import { AgentError } from './errors';
import { ActivationId, ActionName, SnapshotId, WorkerId } from './ids';
import type { AgentMetrics } from './metrics';

export const CreateWorkerBody = z
  .object({
    action: ActionName,
    init: InitValue.optional(),
    snapshotId: SnapshotId.optional(),
    checkpointAt: z.number().int().nonnegative().optional(),
    prefault: z.boolean().optional(),
  })
  .strict();

export const RunActivationBody = RunBody.extend({ activation_id: ActivationId.optional() });
export const InitProxyBody = z.object({ value: InitValue }).strict();
export const SnapshotBody = z.object({ at: z.number().int().nonnegative().optional() }).strict();
const WorkerParams = z.object({ workerId: WorkerId });
const SnapshotParams = z.object({ snapshotId: SnapshotId });
const ListQuery = z.object({ action: ActionName.optional() }).strict();

function parse<S extends ZodTypeAny>(schema: S, data: unknown, what: string): z.output<S> {
  const r = schema.safeParse(data ?? {});
  if (r.success) return r.data;
  throw new AgentError(400, 'bad_request', `invalid ${what}: ${describe(r.error)}`);
}

function describe(err: ZodError): string {
  return err.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1]);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface ApiOptions {
  core: AgentCore;
  token: string;
  metrics: AgentMetrics;
  log: Logger;
}

export function buildAgentApi({ core, token, metrics, log }: ApiOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.url === '/health') return;
    if (!bearerMatches(req.headers.authorization, token)) {
      await reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'missing or wrong bearer token', code: 'unauthorized' });
    }
  });

  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    if (err instanceof AgentError) return reply.code(err.status).send({ error: err.message, code: err.code });
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send({ error: err.message, code: 'bad_request' });
    }
    log.error({ err: err.message, stack: err.stack }, 'unexpected error in the agent API');
    return reply.code(500).send({ error: err.message, code: 'internal' });
  });

  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `no route ${req.method} ${req.url}`, code: 'not_found' }));

  app.get('/health', async () => ({
    ok: true,
    backend: core.backendName,
    workers: core.listWorkers().length,
    snapshots: core.snapshots.list().length,
  }));

  app.get('/metrics', async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));

  app.post('/v1/workers', async (req, reply) => {
    const body = parse(CreateWorkerBody, req.body, 'worker request');
    return reply.code(201).send(await core.createWorker(body));
  });

  app.get('/v1/workers', async (req) => ({ workers: core.listWorkers(parse(ListQuery, req.query, 'query')) }));

  app.get('/v1/workers/:workerId', async (req) => core.getWorker(parse(WorkerParams, req.params, 'worker id').workerId));

  app.delete('/v1/workers/:workerId', async (req) => core.deleteWorker(parse(WorkerParams, req.params, 'worker id').workerId));

  app.post('/v1/workers/:workerId/init', async (req) => {
    const { workerId } = parse(WorkerParams, req.params, 'worker id');
    return core.init(workerId, parse(InitProxyBody, req.body, '/init body').value);
  });

  app.post('/v1/workers/:workerId/run', async (req) => {
    const { workerId } = parse(WorkerParams, req.params, 'worker id');
    return core.run(workerId, parse(RunActivationBody, req.body, '/run body'));
  });

  app.post('/v1/workers/:workerId/snapshot', async (req, reply) => {
    const { workerId } = parse(WorkerParams, req.params, 'worker id');
    const { at } = parse(SnapshotBody, req.body, 'snapshot request');
    const r = await core.snapshot(workerId, at);
    return r.snapshot ? reply.code(201).send({ snapshot: r.snapshot }) : reply.code(202).send({ scheduledAt: r.scheduledAt });
  });

  app.get('/v1/snapshots', async (req) => ({ snapshots: core.snapshots.list(parse(ListQuery, req.query, 'query')) }));

  app.get('/v1/snapshots/:snapshotId', async (req) => {
    const { snapshotId } = parse(SnapshotParams, req.params, 'snapshot id');
    const meta = core.snapshots.get(snapshotId);
    if (!meta) throw new AgentError(404, 'snapshot_not_found', `no snapshot ${snapshotId}`);
    return meta;
  });

  app.delete('/v1/snapshots/:snapshotId', async (req) => core.deleteSnapshot(parse(SnapshotParams, req.params, 'snapshot id').snapshotId));

  return app;
}
