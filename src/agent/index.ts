/**
 * Programmatic API of the node agent, used by `pronghorn agent` and by the embedded mode:
 *
 *   const agent = await createAgent({ store, dataDir, token });   // criu backend by default
 *   await agent.listen('127.0.0.1:7070');                            // or use agent.app.inject / agent.core
 *   ...
 *   await agent.close();                                              // stops every worker
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { logger, type Logger } from '../log/logger';
import { fromRepo, infraSettings } from '../infra/settings';
import { buildAgentApi } from './api';
import type { WorkerBackend } from './backend';
import { CriuBackend } from './backends/criu/backend';
import { AgentCore, type AgentStore } from './core';
import { distEntry } from './entries';
import { createAgentMetrics } from './metrics';
import { SnapshotRepository } from './snapshots';
import { agentSettings } from './settings';

export { AgentCore } from './core';
export type { AgentStore, CreateWorkerRequest, RunOutcome, WorkerView } from './core';
export type { SnapshotMeta } from './snapshots';
export { AgentError } from './errors';
export { AgentClient } from './client';

export interface CreateAgentOptions {
  /** Lineage and worker records go here (Redis or in-memory store). */
  store: AgentStore;
  /** Data directory (0700): snapshots/, workers/, code/. */
  dataDir: string;
  /** Bearer token of the HTTP API. */
  token: string;
  /** Default: the criu backend with `criu` options. */
  backend?: WorkerBackend;
  criu?: CriuBackendSettings;
  /** Full GC in the runtime before each dump (default false). */
  gcBeforeDump?: boolean;
  /** Longest wait for a lineage write once its /run has answered, ms (default 2000). */
  lineageWaitMs?: number;
  node?: string;
  log?: Logger;
}

export interface Agent {
  app: FastifyInstance;
  core: AgentCore;
  /** Listens on host:port, a port, or an absolute Unix-socket path; resolves to the address. */
  listen(address: string): Promise<string>;
  close(): Promise<void>;
}

export interface CriuBackendSettings {
  criuBin?: string;
  standby?: number;
  criuTimeoutMs?: number;
  criuVerbosity?: number;
  prewarm?: boolean;
  runtimeNodeOptions?: string;
}

/** The criu backend; options left out come from the settings (PRONGHORN_CRIU_BIN, PRONGHORN_AGENT_STANDBY ...). */
export function createCriuBackend(opts: CriuBackendSettings & { dataDir: string; log: Logger }): CriuBackend {
  const s = agentSettings.load();
  return new CriuBackend({
    dataDir: opts.dataDir,
    criuBin: fromRepo(opts.criuBin ?? infraSettings.load().criuBin),
    runtimeEntry: distEntry('runtime/server'),
    supervisorEntry: distEntry('agent/backends/criu/supervisor'),
    standby: opts.standby ?? s.standby,
    criuTimeoutMs: opts.criuTimeoutMs ?? s.criuTimeoutMs,
    criuVerbosity: opts.criuVerbosity ?? s.criuVerbosity,
    prewarm: opts.prewarm ?? s.criuPrewarm,
    runtimeNodeOptions: opts.runtimeNodeOptions ?? s.runtimeNodeOptions,
    codeDir: path.join(opts.dataDir, 'code'),
    log: opts.log,
  });
}

export async function createAgent(opts: CreateAgentOptions): Promise<Agent> {
  const log = opts.log ?? logger('agent');
  fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(opts.dataDir, 0o700);
  const backend = opts.backend ?? createCriuBackend({ dataDir: opts.dataDir, ...opts.criu, log });
  const snapshots = new SnapshotRepository(path.join(opts.dataDir, 'snapshots'), log);
  snapshots.open();
  await backend.start();
  const metrics = createAgentMetrics();
  const core = new AgentCore({ backend, store: opts.store, snapshots, node: opts.node ?? 'local', log, metrics, gcBeforeDump: opts.gcBeforeDump, lineageWaitMs: opts.lineageWaitMs });
  const app = buildAgentApi({ core, token: opts.token, metrics, log });
  let closed = false;
  return {
    app,
    core,
    async listen(address: string): Promise<string> {
      if (address.startsWith('/')) {
        fs.rmSync(address, { force: true });
        await app.listen({ path: address });
        fs.chmodSync(address, 0o600);
        return address;
      }
      const [host, port] = address.includes(':') ? address.split(':') : ['127.0.0.1', address];
      return app.listen({ host, port: Number(port) });
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await app.close();
      await core.close();
    },
  };
}
