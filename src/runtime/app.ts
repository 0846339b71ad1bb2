/**
 * The OpenWhisk action protocol (POST /init, POST /run) plus three small extensions used by the agent:
 * `POST /pronghorn/restored` (run the action's after-restore hook, optionally touch the heap once: see
 * heap.ts), `POST /pronghorn/before-dump` (a full GC right before a snapshot) and `GET /pronghorn/status`.
 * Status codes and messages follow OpenWhisk's Node.js runtime (openwhisk-interfaces.md §9).
 */
import Fastify, { FastifyInstance } from 'fastify';
import { ActionInitError, loadAction, type LoadedAction } from './loader';
import { codeDigest } from './digest';
import { fullGc, prefaultHeap } from './heap';
import { InitBody, InitValue, LOG_SENTINEL, RestoredBody, RunBody } from './protocol';

export interface RuntimeAppOptions {
  codeDir: string;
  /** Where the end-of-activation sentinel goes (default: the process's stdout and stderr). */
  writeLog?: (stream: 'stdout' | 'stderr', text: string) => void;
}

/** Header carrying the action's own execution time in ms, measured around `main` inside the runtime. */
export const EXEC_MS_HEADER = 'x-pronghorn-exec-ms';

function zodMessage(err: { issues: { path: (string | number)[]; message: string }[] }): string {
  return err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
}

function serializeError(err: unknown): unknown {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return err ?? {};
}

const processLog = (stream: 'stdout' | 'stderr', text: string): void => void process[stream].write(text);

export function buildRuntimeApp(opts: RuntimeAppOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 48 * 1024 * 1024 });
  const writeLog = opts.writeLog ?? processLog;
  const endActivationLogs = (): void => {
    writeLog('stdout', `${LOG_SENTINEL}\n`);
    writeLog('stderr', `${LOG_SENTINEL}\n`);
  };
  let action: LoadedAction | undefined;
  let busy = false;
  let restored = false;
  let activations = 0;

  app.post('/init', async (req, reply) => {
    const body = InitBody.safeParse(req.body ?? {});
    if (!body.success) return reply.code(403).send({ error: `Invalid /init body: ${zodMessage(body.error)}` });
    const value = body.data.value;
    if (typeof value.code !== 'string' || value.code.length === 0) {
      return reply.code(403).send({ error: 'Missing main/no code to execute.' });
    }
    const init = InitValue.parse(value);
    if (action) {
      // A restored worker is already initialised: the same code is fine, different code is refused.
      if (restored && codeDigest(init) === action.digest) return reply.code(200).send({ ok: true, alreadyInitialized: true });
      const why = restored ? ' (this restored worker runs different code; start a new worker for the new code)' : '';
      return reply.code(403).send({ error: `Cannot initialize the action more than once.${why}` });
    }
    try {
      for (const [k, v] of Object.entries(init.env)) process.env[k] = v;
      action = loadAction(init, opts.codeDir);
      return reply.code(200).send({ ok: true });
    } catch (err) {
      const msg = err instanceof ActionInitError ? err.message : String(err);
      return reply.code(502).send({ error: `Initialization has failed due to: ${msg}` });
    }
  });

  app.post('/run', async (req, reply) => {
    if (!action) return reply.code(403).send({ error: 'System not ready: the action is not initialized (call /init first).' });
    if (busy) return reply.code(403).send({ error: 'System not ready, status is running.' });
    const body = RunBody.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send({ error: `Invalid /run body: ${zodMessage(body.error)}` });
    for (const [k, v] of Object.entries(body.data)) {
      if (k !== 'value' && v !== undefined) process.env[`__OW_${k.toUpperCase()}`] = typeof v === 'string' ? v : JSON.stringify(v);
    }
    busy = true;
    activations++;
    const t0 = process.hrtime.bigint();
    let code = 200;
    let result: unknown;
    try {
      let out: unknown;
      try {
        out = action.main(body.data.value);
      } catch (err) {
        code = 502;
        result = { error: `An error has occurred: ${String(err)}` };
      }
      if (code === 200) {
        try {
          const resolved = await out;
          if (resolved === undefined) result = {};
          else if (resolved === null || typeof resolved !== 'object') {
            code = 502;
            result = { error: 'The action did not return a dictionary.' };
          } else result = resolved;
        } catch (err) {
          // A rejected promise is an application error reported in the result, as OpenWhisk's runtime does.
          result = { error: serializeError(err) };
        }
      }
    } finally {
      busy = false;
      endActivationLogs();
    }
    const execMs = Number(process.hrtime.bigint() - t0) / 1e6;
    return reply.code(code).header(EXEC_MS_HEADER, execMs.toFixed(3)).send(result);
  });

  app.post('/pronghorn/restored', async (req, reply) => {
    const body = RestoredBody.safeParse(req.body ?? {});
    if (!body.success) return reply.code(400).send({ error: zodMessage(body.error) });
    restored = true;
    // Actions reseed here: every copy restored from one snapshot resumes the same Math.random state.
    process.emit('pronghorn:restored' as never, body.data as never);
    const hook = action?.exports.afterRestore;
    if (typeof hook === 'function') {
      try {
        await (hook as (info: RestoredBody) => unknown)(body.data);
      } catch (err) {
        return reply.code(502).send({ error: `afterRestore failed: ${String(err)}` });
      }
    }
    // After the hook, which may allocate: the walk then covers what the first request will find.
    const prefaultMs = body.data.prefault === true ? prefaultHeap() : undefined;
    return { ok: true, hook: typeof hook === 'function', ...(prefaultMs !== undefined ? { prefaultMs } : {}) };
  });

  // Called by the agent right before a dump (between requests): collect garbage so less memory is dumped.
  app.post('/pronghorn/before-dump', async (_req, reply) => {
    if (busy) return reply.code(409).send({ error: 'an activation is running' });
    const t0 = process.hrtime.bigint();
    fullGc();
    return { ok: true, gcMs: Number(process.hrtime.bigint() - t0) / 1e6 };
  });

  app.get('/pronghorn/status', async () => ({
    initialized: action !== undefined,
    digest: action?.digest ?? null,
    busy,
    restored,
    activations,
    pid: process.pid,
  }));

  return app;
}
