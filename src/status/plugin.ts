/**
 * The status page as a fastify plugin, mountable on any fastify server (the sidecar's HTTP server in
 * production, the embedded mode's server on a laptop):
 *   GET /status              the page (HTML; charts drawn client-side as SVG, no external assets)
 *   GET /status/app.js       its script
 *   GET /api/status          StatusOverview JSON
 *   GET /api/status/<action> ActionStatus JSON (`ns/name` or `ns/pkg/name`, slashes raw or %2F)
 * The page fetches relative URLs, so it also works under a prefix (`register(statusPlugin, {prefix})`).
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { logger } from '../log/logger';
import { actionStatus, summarize } from './assemble';
import { PAGE_HTML, PAGE_SCRIPT } from './page';
import { actionNameSchema, type StatusSource } from './source';
import type { StatusOverview } from './types';

export interface StatusPluginOptions {
  source: StatusSource;
  /** Redirect `/` to the page (the embedded mode's server has nothing else at its root). */
  redirectRoot?: boolean;
  /** Decisions returned per action unless the query asks for another number. */
  decisionsLimit?: number;
}

const querySchema = z.object({ decisions: z.coerce.number().int().min(0).max(1000).optional() });

const log = logger('status');

export async function overview(source: StatusSource, now = Date.now()): Promise<StatusOverview> {
  const names = await source.listActions();
  const inputs = await Promise.all(names.map((n) => source.load(n)));
  const actions = inputs.filter((i) => i !== null).map((i) => summarize(i));
  return { generatedAt: now, actions };
}

export const statusPlugin: FastifyPluginAsync<StatusPluginOptions> = async (app: FastifyInstance, opts) => {
  const { source } = opts;
  const defaultLimit = opts.decisionsLimit ?? 50;

  if (opts.redirectRoot) app.get('/', async (_req, reply) => reply.redirect('status'));

  app.get('/status', async (_req, reply) => reply.type('text/html; charset=utf-8').send(PAGE_HTML));
  app.get('/status/', async (_req, reply) => reply.redirect('../status'));
  app.get('/status/app.js', async (_req, reply) =>
    reply.type('application/javascript; charset=utf-8').send(PAGE_SCRIPT),
  );

  app.get('/api/status', async (_req, reply) => {
    try {
      return await overview(source);
    } catch (err) {
      log.warn({ error: (err as Error).message }, 'status overview failed');
      return reply.code(503).send({ error: `store unavailable: ${(err as Error).message}` });
    }
  });

  app.get('/api/status/*', async (req, reply) => {
    const raw = (req.params as Record<string, string>)['*'] ?? '';
    let decoded: string;
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      return reply.code(400).send({ error: 'action name is not valid URL encoding' });
    }
    const name = actionNameSchema.safeParse(decoded);
    if (!name.success) {
      return reply.code(400).send({ error: `invalid action name ${JSON.stringify(decoded)}: ${name.error.issues[0].message}` });
    }
    const query = querySchema.safeParse(req.query);
    if (!query.success) {
      return reply.code(400).send({ error: `invalid query: ${query.error.issues.map((i) => i.message).join('; ')}` });
    }
    try {
      const input = await source.load(name.data);
      if (!input) return reply.code(404).send({ error: `no statistics for action ${name.data}` });
      const decisions = await source.decisions(name.data, query.data.decisions ?? defaultLimit);
      return actionStatus(input, decisions);
    } catch (err) {
      log.warn({ error: (err as Error).message, action: name.data }, 'action status failed');
      return reply.code(503).send({ error: `store unavailable: ${(err as Error).message}` });
    }
  });
};
