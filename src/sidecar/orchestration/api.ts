/**
 * The sidecar's orchestration API, on its HTTP port beside /metrics and the status page:
 *
 * - `POST /v1/decisions/start {action}`: which snapshot a new worker of the action starts from and
 *   when to snapshot it, for a supervisor that starts or restores the runtime itself (the decision
 *   only: nothing is started). Never fails for a broken policy or store: it answers a cold start.
 * - `POST /v1/workers {action, init?}`: a worker started through the agent by the orchestration loop
 *   (a ready hot stand-by when there is one); the caller then runs activations on the agent directly.
 * - `POST /v1/workers/{workerId}/requests {requestNumber}`: after each request; dumps the worker when
 *   it reached its checkpoint and registers the snapshot in the pool.
 * - `DELETE /v1/workers/{workerId}`: the worker was evicted; it is stopped and its successor prepared.
 *
 * Every route needs `Authorization: Bearer <PRONGHORN_AGENT_TOKEN>`. Bodies are validated with zod;
 * rejected requests are answered 400 `{error, code: bad_request}` and counted.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { InitValue } from '../../runtime/protocol';
import type { Acquired, ProvidedWorker } from '../orchestrator';
import type { SnapshotRecord } from '../../store/types';
import type { StartDecision } from '../../policy/types';

const ActionName = z.string().regex(/^[^/\s]+(\/[^/\s]+){1,2}$/, 'expected ns/name or ns/pkg/name');
export const StartDecisionBody = z.object({ action: ActionName }).strict();
export const AcquireBody = z.object({ action: ActionName, init: InitValue.optional() }).strict();
export const AfterRequestBody = z.object({ requestNumber: z.number().int().min(0) }).strict();
const WorkerIdParam = z.object({ workerId: z.string().regex(/^[a-z][a-z0-9-]{2,63}$/) });

/** What the API needs from the orchestration side (the hook implements it; tests may stub it). */
export interface OrchestrationService {
  /** Null until the sidecar has started its orchestrator. */
  ready(): boolean;
  decideStart(action: string): Promise<{ policy: string; decision: StartDecision }>;
  acquire(action: string, init: InitValue | undefined): Promise<Acquired>;
  afterRequest(workerId: string, requestNumber: number): Promise<SnapshotRecord | null> | null;
  release(workerId: string): Promise<boolean>;
  rejected: number;
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

function bad(svc: OrchestrationService, reply: FastifyReply, error: z.ZodError): FastifyReply {
  svc.rejected++;
  const issues = error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
  return reply.code(400).send({ error: `${issues.length} problem${issues.length > 1 ? 's' : ''}: ${issues.join('; ')}`, code: 'bad_request' });
}

/** The worker as the API shows it. */
export function workerView(w: ProvidedWorker) {
  return {
    workerId: w.workerId,
    action: w.action,
    kind: w.kind,
    origin: w.origin,
    requestNumber: w.requestNumber,
    startMs: w.startMs,
    checkpointAt: w.checkpointAt,
    retireAt: w.retireAt,
    fellBack: w.fellBack,
    snapshotId: w.snapshot?.snapshotId ?? null,
    reason: w.decision.reason,
  };
}

export function registerOrchestrationApi(app: FastifyInstance, svc: OrchestrationService, token: string): void {
  app.register(async (scope) => {
    scope.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
      if (!bearerMatches(req.headers.authorization, token)) return reply.code(401).send({ error: 'missing or wrong bearer token', code: 'unauthorized' });
      if (!svc.ready()) return reply.code(503).send({ error: 'the orchestrator is not running yet', code: 'unavailable' });
    });

    scope.post('/v1/decisions/start', async (req, reply) => {
      const body = StartDecisionBody.safeParse(req.body);
      if (!body.success) return bad(svc, reply, body.error);
      const { policy, decision } = await svc.decideStart(body.data.action);
      return { action: body.data.action, policy, source: decision.source, checkpointAt: decision.checkpointAt, retireAt: decision.retireAt, reason: decision.reason };
    });

    scope.post('/v1/workers', async (req, reply) => {
      const body = AcquireBody.safeParse(req.body);
      if (!body.success) return bad(svc, reply, body.error);
      try {
        const got = await svc.acquire(body.data.action, body.data.init);
        return reply.code(201).send({ worker: workerView(got.worker), waitedMs: got.waitedMs, fromStandby: got.fromStandby });
      } catch (error) {
        // Even the cold start failed (agent down, code unknown): the invoker has to handle it.
        const unknownCode = error instanceof UnknownActionCodeError;
        return reply.code(unknownCode ? 409 : 502).send({ error: String(error), code: unknownCode ? 'init_unknown' : 'agent_failed' });
      }
    });

    scope.post('/v1/workers/:workerId/requests', async (req, reply) => {
      const params = WorkerIdParam.safeParse(req.params);
      if (!params.success) return bad(svc, reply, params.error);
      const body = AfterRequestBody.safeParse(req.body);
      if (!body.success) return bad(svc, reply, body.error);
      const pending = svc.afterRequest(params.data.workerId, body.data.requestNumber);
      if (pending === null) return reply.code(404).send({ error: `no worker ${params.data.workerId} was handed out here`, code: 'worker_not_found' });
      return { snapshot: await pending };
    });

    scope.delete('/v1/workers/:workerId', async (req, reply) => {
      const params = WorkerIdParam.safeParse(req.params);
      if (!params.success) return bad(svc, reply, params.error);
      if (!(await svc.release(params.data.workerId))) return reply.code(404).send({ error: `no worker ${params.data.workerId} was handed out here`, code: 'worker_not_found' });
      return { released: params.data.workerId };
    });
  });
}

/** A cold start was needed but nobody has told the sidecar the action's code yet. */
export class UnknownActionCodeError extends Error {
  /** Retrying cannot help (the orchestrator's retry loop reads this). */
  readonly retryable = false;
  constructor(action: string) {
    super(`the code of ${action} is not known here: pass "init" with the first POST /v1/workers of the action`);
    this.name = 'UnknownActionCodeError';
  }
}
