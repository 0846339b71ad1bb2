/** Shared pieces of the agent's integration tests: a recording store, a CPU-heavy action, agent set-up. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createAgent, createCriuBackend, type Agent, type AgentStore } from '../../../src/agent';
import { AgentClient } from '../../../src/agent/client';
import { logger } from '../../../src/log/logger';
import type { LineageRecord, WorkerRecord } from '../../../src/store/types';
import type { CriuBackend } from '../../../src/agent/backends/criu/backend';

/** Keeps what the agent writes, in order, so tests can check lineage came before each run. */
export class RecordingStore implements AgentStore {
  lineage: LineageRecord[] = [];
  workers: WorkerRecord[] = [];
  failLineage = false;
  async recordLineage(rec: LineageRecord): Promise<void> {
    if (this.failLineage) throw new Error('store down (induced)');
    this.lineage.push(rec);
  }
  async putWorker(rec: WorkerRecord): Promise<void> {
    this.workers.push(rec);
  }
}

/** CPU-bound and stateful: counts its own activations in module state, which a snapshot must carry. */
export const PRIME_ACTION = `
let served = 0;
function isPrime(k) { for (let d = 2; d * d <= k; d++) if (k % d === 0) return false; return k > 1; }
function main(params) {
  served++;
  const n = params.n || 20000;
  let count = 0, sum = 0;
  for (let k = 2; k < n; k++) if (isPrime(k)) { count++; sum += k; }
  return { served, count, sum, activation: process.env.__OW_ACTIVATION_ID };
}`;

export function expectedPrimes(n: number): { count: number; sum: number } {
  let count = 0;
  let sum = 0;
  for (let k = 2; k < n; k++) {
    let prime = k > 1;
    for (let d = 2; d * d <= k; d++) if (k % d === 0) { prime = false; break; }
    if (prime) { count++; sum += k; }
  }
  return { count, sum };
}

export const TOKEN = 'test-token-0123456789abcdef';

export interface TestAgent {
  agent: Agent;
  client: AgentClient;
  store: RecordingStore;
  dataDir: string;
  backend: CriuBackend;
  stop(): Promise<void>;
}

export async function startTestAgent(opts: { criuBin: string; standby?: number }): Promise<TestAgent> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pronghorn-agent-test-'));
  const store = new RecordingStore();
  const log = logger('agent-test');
  const backend = createCriuBackend({ dataDir, criuBin: opts.criuBin, standby: opts.standby ?? 1, criuTimeoutMs: 8000, log });
  const agent = await createAgent({ store, dataDir, token: TOKEN, backend, log }).catch((err: unknown) => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  });
  const socketPath = path.join(dataDir, 'agent.sock');
  await agent.listen(socketPath);
  const client = new AgentClient({ socketPath, token: TOKEN });
  return {
    agent, client, store, dataDir, backend,
    async stop() {
      await agent.close();
      if (!process.env.KEEP_AGENT_DIR) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Supervisors (unshare processes) this test process has running: stand-by plus live workers. */
export function ownWorkerProcesses(): number {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid), '-x', 'unshare']).toString().trim().split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

/** A CRIU stand-in that reports version 4.2 but fails every dump and restore. */
export function failingCriu(dir: string): string {
  const file = path.join(dir, 'criu-that-fails');
  fs.writeFileSync(file, '#!/bin/sh\nif [ "$1" = --version ]; then echo "Version: 4.2.1"; exit 0; fi\necho "Error (induced): this criu always fails" >&2\nexit 1\n', { mode: 0o755 });
  return file;
}
