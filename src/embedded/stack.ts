/**
 * The pieces the embedded mode and the bench run on, wired in one process: a state store (memory or
 * Redis), the event path from the local invoker to the sidecar's ingest (in-process bus or Kafka), and
 * the agent (criu backend) behind the orchestrator's AgentPort. `close()` stops all of it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAgent, type Agent } from '../agent';
import type { WorkerBackend } from '../agent/backend';
import type { EventSink } from '../bench/localInvoker';
import { actionInit } from '../bench/actionCode';
import { partLogger, type Logger } from '../log/logger';
import { InProcessAgent } from '../sidecar/orchestration/inProcessAgent';
import { MemoryStateStore } from '../store/memory';
import { RedisStateStore } from '../store/redis';
import type { StateStore } from '../store/types';
import { openEventPath, type EventPathOptions } from './eventPath';

export type StoreChoice = { kind: 'memory' } | { kind: 'redis'; url: string; prefix: string };

export interface StackOptions {
  store: StoreChoice;
  events: EventPathOptions;
  /** Agent data directory; default: a new temporary directory, removed by close(). */
  dataDir?: string;
  /** Worker processes the criu backend keeps started ahead. */
  agentStandby?: number;
  /** Another worker backend than criu (the embedded mode's plain processes where CRIU cannot run). */
  backend?: WorkerBackend;
  log: Logger;
}

export interface Stack {
  store: StateStore;
  agent: InProcessAgent;
  raw: Agent;
  events: EventSink;
  storeName: string;
  eventsVia: string;
  /** Makes actions/<actionKey> known to the agent under a fully qualified name. */
  deploy(qualifiedName: string, actionKey: string): void;
  close(): Promise<void>;
}

export async function openStack(opts: StackOptions): Promise<Stack> {
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (error) {
        opts.log.warn({ err: String(error) }, 'error while stopping');
      }
    }
  };
  try {
    const store: StateStore = opts.store.kind === 'memory' ? new MemoryStateStore() : new RedisStateStore({ url: opts.store.url, prefix: opts.store.prefix });
    closers.push(() => store.close());
    const storeName = opts.store.kind === 'memory' ? 'in-memory' : `Redis ${redactUrl(opts.store.url)} prefix ${opts.store.prefix}`;

    const ownDir = opts.dataDir === undefined;
    const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pronghorn-agent-'));
    if (ownDir) closers.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    const raw = await createAgent({
      store,
      dataDir,
      token: crypto.randomBytes(24).toString('hex'),
      criu: { standby: opts.agentStandby ?? 2 },
      backend: opts.backend,
      log: partLogger(opts.log, 'agent'),
    });
    closers.push(() => raw.close());

    const codeOf = new Map<string, string>();
    const agent = new InProcessAgent(raw.core, (action) => {
      const key = codeOf.get(action);
      if (!key) throw new Error(`action ${action} was not deployed`);
      return actionInit(key);
    });

    const events = await openEventPath(store, opts.events, opts.log);
    closers.push(() => events.close());

    return {
      store,
      agent,
      raw,
      events,
      storeName,
      eventsVia: events.description,
      deploy(qualifiedName, actionKey) {
        actionInit(actionKey); // bundle now, so that a broken action fails before any request
        codeOf.set(qualifiedName, actionKey);
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
