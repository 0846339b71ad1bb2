/**
 * Runs the benchmark matrix: for each eviction model and action, the policies side by side, request by
 * request (interleaved, so that machine noise hits them alike), each cell under its own action name
 * with its own orchestrator, policy and invoker, all on the real store, event path and agent given.
 *
 * The order of the cells is shuffled for every request index (seeded). With a fixed order, each policy
 * always ran right after the same other policy, and whatever that policy's turn left running (a dump,
 * the agent topping up its stand-by supervisors) slowed the next one: at E=1, `upload` measured −1.4 %
 * against fixed:1 in fourth place and +30.2 % in first.
 */
import os from 'node:os';
import type { Logger } from '../log/logger';
import { createPolicy, createRng, type PolicyContext, type Rng } from '../policy';
import { Orchestrator, defaultOrchestratorOptions } from '../sidecar/orchestrator';
import type { AgentPort } from '../sidecar/orchestration/ports';
import type { StateStore } from '../store/types';
import type { EvictionModel } from './eviction';
import { LocalInvoker, type EventSink } from './localInvoker';
import { headline, summarizeCells, type BenchResults, type CellResult } from './results';

/** The real services a bench runs on. */
export interface BenchEnvironment {
  store: StateStore;
  agent: AgentPort;
  events: EventSink;
  /** Make an action's code known to the agent under a fully qualified name. */
  deploy(qualifiedName: string, actionKey: string): Promise<void>;
  /** Parameters of request i of an action (seeded, so every policy sees the same inputs). */
  paramsFor(actionKey: string, i: number): Record<string, unknown>;
  eventsVia: string;
  storeName: string;
}

export interface BenchOptions {
  actions: string[];
  policies: string[];
  evictions: EvictionModel[];
  requests: number;
  seed: number;
  standbys: number;
  /** Stand-bys restored from a snapshot touch their heap before they are ready (PRONGHORN_PREFAULT_STANDBYS). */
  prefaultStandbys: boolean;
  quick: boolean;
  /** Namespace of the cells' action names, unique per run (so stored state never mixes). */
  namespace: string;
  /** How long to wait for the sidecar to apply earlier events before a new worker is chosen. */
  ingestWaitMs: number;
  /**
   * Let every cell's stand-by finish starting, and the agent finish topping up its stand-by
   * supervisors, before each timed request (like the paper's gap between requests), so that background
   * work never competes with a measured request for the CPU.
   */
  settle: boolean;
  onProgress?: (done: number, total: number, label: string) => void;
  /** Called with the results so far after each (eviction, action) block, e.g. to write a partial report. */
  onPartial?: (partial: BenchResults) => Promise<void>;
}

interface Cell {
  result: CellResult;
  qualified: string;
  orchestrator: Orchestrator;
  invoker: LocalInvoker;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Policy names become path segments of the cell's action name (`fixed:1` → `fixed-1`). */
export function cellActionName(namespace: string, actionKey: string, policy: string, eviction: string): string {
  const slug = (s: string) => s.replace(/[^A-Za-z0-9_.-]+/g, '-');
  return `${namespace}/${slug(actionKey)}/${slug(policy)}.${slug(eviction)}`;
}

function seedOf(base: number, label: string): number {
  let h = base >>> 0;
  for (const ch of label) h = (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0;
  return h;
}

/** A seeded Fisher–Yates shuffle (a new array). */
export function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Waits until nothing runs in the background: every cell's stand-bys have started, and then the agent
 * has topped up its own stand-by supervisors (which those starts used).
 */
async function settle(env: BenchEnvironment, cells: Cell[]): Promise<void> {
  await Promise.all(cells.map((c) => c.orchestrator.whenIdle()));
  await env.agent.whenIdle?.();
}

export async function runBench(env: BenchEnvironment, opts: BenchOptions, log: Logger): Promise<BenchResults> {
  const startedAt = new Date().toISOString();
  const total = opts.evictions.length * opts.actions.length * opts.policies.length * opts.requests;
  let done = 0;
  const results: CellResult[] = [];

  for (const eviction of opts.evictions) {
    for (const actionKey of opts.actions) {
      const cells: Cell[] = [];
      for (const policySpec of opts.policies) {
        const qualified = cellActionName(opts.namespace, actionKey, policySpec, eviction.label);
        await env.deploy(qualified, actionKey);
        const policy = createPolicy(policySpec);
        const rng = createRng(seedOf(opts.seed, qualified.slice(opts.namespace.length)));
        const context = (): PolicyContext => ({ rng, now: Date.now(), configuredLifetime: eviction.requestsPerWorker });
        const cellLog = log.child({ cell: `${actionKey} ${policySpec} ${eviction.label}` });
        const orchestrator = new Orchestrator(env.store, env.agent, () => policy, context, cellLog, {
          ...defaultOrchestratorOptions,
          standbys: opts.standbys,
          prefaultStandbys: opts.prefaultStandbys,
        });
        const invoker = new LocalInvoker(orchestrator, env.agent, env.events, { eviction }, cellLog);
        orchestrator.beforeProvision = (a) => awaitIngest(env.store, a, invoker.publishedCount(a), opts.ingestWaitMs);
        orchestrator.prepare(qualified);
        cells.push({
          qualified,
          orchestrator,
          invoker,
          result: {
            action: actionKey,
            policy: policySpec,
            eviction: eviction.label,
            samples: [],
            coldStarts: 0,
            restores: 0,
            snapshots: 0,
            pruned: 0,
            dumpMs: [],
            restoreMs: [],
            diskBytes: 0,
            fallbacks: 0,
            restoredAt: [],
            snapshotRequestNumbers: [],
          },
        });
      }
      const order = createRng(seedOf(opts.seed, `order ${actionKey} ${eviction.label}`));
      try {
        for (let i = 0; i < opts.requests; i++) {
          const params = env.paramsFor(actionKey, i);
          for (const cell of shuffled(cells, order)) {
            if (opts.settle) await settle(env, cells);
            const r = await cell.invoker.invoke(cell.qualified, params);
            cell.result.samples.push({
              i: r.i,
              e2eMs: r.e2eMs,
              execMs: r.execMs,
              startWaitMs: r.startWaitMs,
              start: r.start,
              requestNumber: r.requestNumber,
              ...(r.startedAtRequest !== undefined ? { startedAtRequest: r.startedAtRequest } : {}),
              statusCode: r.statusCode,
            });
            opts.onProgress?.(++done, total, `${actionKey} ${eviction.label}`);
          }
        }
      } finally {
        for (const cell of cells) await finishCell(env, cell, log);
      }
      results.push(...cells.map((c) => c.result));
      if (opts.onPartial) await opts.onPartial(assemble(env, opts, startedAt, results)).catch((err: unknown) => log.warn({ err: String(err) }, 'could not write the partial report'));
    }
  }

  return assemble(env, opts, startedAt, results);
}

function assemble(env: BenchEnvironment, opts: BenchOptions, startedAt: string, results: CellResult[]): BenchResults {
  const summary = summarizeCells(results);
  const smallestE = opts.evictions.find((e) => e.requestsPerWorker !== undefined)?.label ?? opts.evictions[0]?.label ?? '';
  return {
    version: 1,
    startedAt,
    finishedAt: new Date().toISOString(),
    host: { node: process.version, platform: `${os.platform()} ${os.release()}`, cpus: os.cpus().length },
    config: {
      actions: opts.actions,
      policies: opts.policies,
      evictions: opts.evictions.map((e) => e.label),
      requests: opts.requests,
      seed: opts.seed,
      quick: opts.quick,
      eventsVia: env.eventsVia,
      store: env.storeName,
      agentBackend: env.agent.backend,
      standbys: opts.standbys,
      prefaultStandbys: opts.prefaultStandbys,
    },
    summary,
    headline: headline(
      summary,
      opts.policies.filter((p) => p !== 'fixed:1' && p !== 'cold'),
      smallestE,
    ),
    cells: results,
  };
}

/** Waits (bounded) until the store has applied every event the invoker published for the action. */
export async function awaitIngest(store: StateStore, action: string, published: number, maxWaitMs: number): Promise<void> {
  if (published === 0 || maxWaitMs <= 0) return;
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    const stats = await store.getActionStats(action);
    if (stats.activations >= published || Date.now() >= deadline) return;
    await sleep(5);
  }
}

async function finishCell(env: BenchEnvironment, cell: Cell, log: Logger): Promise<void> {
  // Closed first, so that evicting the last workers starts no new stand-bys.
  await cell.orchestrator.close();
  await cell.invoker.drain();
  const pool = await env.store.listSnapshots(cell.qualified);
  const c = cell.orchestrator.counters;
  Object.assign(cell.result, {
    coldStarts: c.coldStarts,
    restores: c.restores,
    snapshots: c.snapshots,
    pruned: c.pruned,
    fallbacks: c.fallbacks,
    dumpMs: [...cell.orchestrator.dumpMs],
    restoreMs: [...cell.orchestrator.restoreMs],
    diskBytes: pool.reduce((s, p) => s + p.bytes, 0),
    restoredAt: cell.invoker.restoredAt.get(cell.qualified) ?? [],
    snapshotRequestNumbers: [...cell.orchestrator.snapshotRequestNumbers],
  });
  // The images of a finished cell are only disk space now.
  for (const snap of pool) {
    try {
      await env.agent.deleteSnapshot(cell.qualified, snap.snapshotId, AbortSignal.timeout(30_000));
      await env.store.removeSnapshot(cell.qualified, snap.snapshotId);
    } catch (error) {
      log.warn({ action: cell.qualified, snapshotId: snap.snapshotId, err: String(error) }, 'could not delete a snapshot after the bench');
    }
  }
}
