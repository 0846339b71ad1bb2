/**
 * The embedded mode: everything in one process. The stack (store, event path, criu agent), one
 * orchestrator with the chosen policy, the local invoker driving sequential load through a few
 * actions, and the status page. Where CRIU cannot run, it says so and runs the cold baseline only.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { BackendError } from '../agent/backend';
import { parseEviction } from '../bench/eviction';
import { InputGenerator, type ActionParams } from '../bench/inputs';
import { LocalInvoker } from '../bench/localInvoker';
import { partLogger, type Logger } from '../log/logger';
import { createPolicy, createRng } from '../policy';
import { slotBounds } from '../policy/stats';
import { Orchestrator } from '../sidecar/orchestrator';
import { orchestratorOptions, orchestratorSettings } from '../sidecar/orchestration/settings';
import { overview, statusPlugin } from '../status/plugin';
import { storeStatusSource } from '../status/source';
import { renderOverview } from '../status/terminal';
import { openStack, type Stack, type StackOptions } from './stack';
import { PlainProcessBackend } from './plainBackend';

export const DEMO_PACKAGE = 'guest/pronghorn-demo';

export interface EmbeddedOptions {
  actions: string[];
  policy: string;
  eviction: string;
  gapMs: number;
  listen: string;
  seed: number;
  store: StackOptions['store'];
  events: StackOptions['events'];
  /** Stop after this many requests in all (undefined: until stopped). */
  maxRequests?: number;
  /** Render the live table to this stream every few seconds (null: don't). */
  live: NodeJS.WritableStream | null;
  log: Logger;
}

export interface Embedded {
  url: string;
  criu: boolean;
  policy: string;
  /** Resolves when the load has stopped (after stop(), or after maxRequests). */
  done: Promise<void>;
  requestsServed(): number;
  stop(): Promise<void>;
}

/** Opens the stack with the criu backend, or says why it cannot and falls back to plain processes. */
async function openWithFallback(opts: EmbeddedOptions): Promise<{ stack: Stack; criu: boolean; why?: string }> {
  try {
    return { stack: await openStack({ store: opts.store, events: opts.events, log: opts.log }), criu: true };
  } catch (error) {
    const unavailable = error instanceof BackendError || /criu|root|unshare/i.test(String(error));
    if (!unavailable) throw error;
    const stack = await openStack({ store: opts.store, events: opts.events, log: opts.log, backend: new PlainProcessBackend() });
    return { stack, criu: false, why: (error as Error).message };
  }
}

export async function startEmbedded(opts: EmbeddedOptions): Promise<Embedded> {
  const eviction = parseEviction(opts.eviction);
  const { stack, criu, why } = await openWithFallback(opts);
  const policySpec = criu ? opts.policy : 'cold';
  if (!criu) {
    opts.log.warn({ reason: why }, 'CRIU cannot run here, so there are no snapshots: running the cold baseline only');
    opts.live?.write(`CRIU cannot run here (${why}).\nRunning the cold baseline only: no snapshots, no restores.\n`);
  }
  const policy = createPolicy(policySpec);
  const rng = createRng(opts.seed);
  const orchestrator = new Orchestrator(
    stack.store,
    stack.agent,
    () => policy,
    () => ({ rng, now: Date.now(), configuredLifetime: eviction.requestsPerWorker }),
    partLogger(opts.log, 'orchestrator'),
    orchestratorOptions(orchestratorSettings.load()),
  );
  const invoker = new LocalInvoker(orchestrator, stack.agent, stack.events, { eviction }, partLogger(opts.log, 'invoker'));

  const actions = opts.actions.map((key) => {
    const qualified = `${DEMO_PACKAGE}/${key}`;
    stack.deploy(qualified, key);
    orchestrator.prepare(qualified);
    return { key, qualified, inputs: new InputGenerator(key, { seed: opts.seed, ranges: 'bench' }) };
  });

  const source = storeStatusSource(stack.store, { slotStart: (slot) => slotBounds(slot)[0] });
  const app: FastifyInstance = Fastify({ logger: false });
  await app.register(statusPlugin, { source, redirectRoot: true });
  const [host, port] = [opts.listen.slice(0, opts.listen.lastIndexOf(':')), Number(opts.listen.slice(opts.listen.lastIndexOf(':') + 1))];
  let url: string;
  try {
    url = `${await app.listen({ host, port })}/status`;
  } catch (error) {
    await orchestrator.close();
    await stack.close();
    throw error;
  }

  let stopping = false;
  let served = 0;
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  const load = (async () => {
    for (let i = 0; !stopping; i++) {
      const a = actions[i % actions.length];
      const params: ActionParams = a.inputs.next();
      try {
        await invoker.invoke(a.qualified, params);
        served++;
      } catch (error) {
        opts.log.error({ action: a.qualified, err: String(error) }, 'activation failed');
        await sleep(1000);
      }
      if (opts.maxRequests !== undefined && served >= opts.maxRequests) break;
      if (opts.gapMs > 0) await sleep(opts.gapMs);
    }
  })();

  const ticker = opts.live
    ? setInterval(() => {
        void overview(source).then(
          (o) => opts.live?.write(`\n${new Date().toISOString()}  ${served} requests  policy ${policySpec}  eviction ${eviction.label}  status page ${url}\n${renderOverview(o)}`),
          () => undefined,
        );
      }, 3000)
    : undefined;

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      stopping = true;
      if (ticker) clearInterval(ticker);
      await load;
      await orchestrator.close();
      await invoker.drain();
      await app.close();
      await stack.close();
    })());

  return { url, criu, policy: policySpec, done: load, requestsServed: () => served, stop };
}
