/**
 * The node agent over HTTP (the typed AgentClient), seen through the orchestrator's AgentPort: used by
 * `pronghorn sidecar` in production. Errors come out classified, so that the orchestrator retries only
 * what a retry can fix (network errors, timeouts, 5xx) and falls back to a cold start at once when a
 * snapshot cannot be used (gone, damaged, code changed). The client's own axios-retry covers network
 * errors of idempotent calls (GET, DELETE); a create or dump is never repeated blindly by axios.
 */
import { isAxiosError } from 'axios';
import { AgentClient, AgentClientError } from '../../agent/client';
import type { WorkerView } from '../../agent/core';
import type { InitValue } from '../../runtime/protocol';
import type { SnapshotRecord } from '../../store/types';
import { activationStatusOf, snapshotRecordOf } from './inProcessAgent';
import { startedWorker, type AgentPort, type RunOutcome, type StartedWorker } from './ports';

/** An agent call failed; `retryable` says whether repeating the same call may succeed. */
export class AgentCallError extends Error {
  constructor(
    message: string,
    /** HTTP status of the agent's answer, or 0 when none came (network error, timeout). */
    readonly status: number,
    /** The agent's error code (`snapshot_not_found`, `restore_failed` ...), or `network` / `timeout`. */
    readonly code: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'AgentCallError';
  }
}

/** Agent codes after which the snapshot itself is unusable: retrying the restore cannot help. */
const SNAPSHOT_UNUSABLE = new Set(['snapshot_not_found', 'snapshot_action_mismatch', 'code_changed', 'snapshot_damaged']);

/** Maps whatever the client threw onto AgentCallError. */
export function classifyAgentError(what: string, error: unknown): AgentCallError {
  if (error instanceof AgentCallError) return error;
  if (error instanceof AgentClientError) {
    // 4xx: the request is wrong or the target is gone; 409 snapshot_in_use clears when the restore ends.
    const retryable = !SNAPSHOT_UNUSABLE.has(error.code) && (error.status >= 500 || error.status === 429 || error.code === 'snapshot_in_use');
    return new AgentCallError(`${what}: ${error.message}`, error.status, error.code, retryable);
  }
  if (isAxiosError(error)) {
    const timedOut = error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT' || error.code === 'ERR_CANCELED';
    return new AgentCallError(`${what}: ${error.message}`, 0, timedOut ? 'timeout' : 'network', true);
  }
  return new AgentCallError(`${what}: ${String(error)}`, 0, 'network', true);
}

/** For the orchestrator's retry loop: only errors a retry can fix are retried. */
export function isRetryableAgentError(error: unknown): boolean {
  return !(error instanceof AgentCallError) || error.retryable;
}

/** True when a restore failed because of the snapshot itself (its pool entry is stale or unusable). */
export function isSnapshotUnusable(error: unknown): boolean {
  return error instanceof AgentCallError && SNAPSHOT_UNUSABLE.has(error.code);
}

/** The calls of AgentClient this adapter uses (unit tests pass a stub). */
export type AgentApi = Pick<AgentClient, 'createWorker' | 'run' | 'snapshot' | 'deleteSnapshot' | 'deleteWorker'>;

export class HttpAgent implements AgentPort {
  constructor(
    private readonly client: AgentApi,
    /** The /init value of an action; rejects when the code is not known. */
    private readonly initFor: (action: string) => Promise<InitValue>,
    readonly backend = 'http',
  ) {}

  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw classifyAgentError(what, error);
    }
  }

  private async started(what: string, signal: AbortSignal, create: () => Promise<WorkerView>): Promise<StartedWorker> {
    const view = await this.call(what, create);
    if (signal.aborted) {
      // The caller timed out and moved on (retry or fallback): this worker has no owner.
      await this.client.deleteWorker(view.workerId).catch(() => undefined);
      throw new AgentCallError(`${what}: worker ${view.workerId} started after its caller gave up`, 0, 'timeout', true);
    }
    return startedWorker(view);
  }

  async startCold(action: string, signal: AbortSignal): Promise<StartedWorker> {
    const init = await this.initFor(action);
    return this.started(`cold start ${action}`, signal, () => this.client.createWorker({ action, init }));
  }

  async restore(action: string, snapshot: SnapshotRecord, signal: AbortSignal, opts: { prefault?: boolean } = {}): Promise<StartedWorker> {
    // The init goes along so that the agent refuses a snapshot of code that has changed since (409).
    const init = await this.initFor(action);
    // Sent only when asked for: an agent that predates the field refuses it (strict body), even as false.
    const prefault = opts.prefault === true ? { prefault: true } : {};
    return this.started(`restore ${snapshot.snapshotId}`, signal, () => this.client.createWorker({ action, init, snapshotId: snapshot.snapshotId, ...prefault }));
  }

  async run(workerId: string, activationId: string, params: Record<string, unknown>): Promise<RunOutcome> {
    const out = await this.call(`run on ${workerId}`, () =>
      this.client.run(workerId, { value: params, activation_id: activationId, deadline: String(Date.now() + 60_000) }),
    );
    return {
      statusCode: activationStatusOf(out.statusCode, out.result),
      runMs: out.timings.roundTripMs,
      requestNumber: out.requestNumber,
      size: out.result === undefined ? undefined : JSON.stringify(out.result).length,
      result: out.result,
    };
  }

  async snapshot(workerId: string): Promise<SnapshotRecord> {
    const out = await this.call(`snapshot ${workerId}`, () => this.client.snapshot(workerId));
    if (!out.snapshot) throw new AgentCallError(`snapshot ${workerId}: the agent scheduled instead of dumping`, 202, 'scheduled', false);
    return snapshotRecordOf(out.snapshot);
  }

  async deleteSnapshot(_action: string, snapshotId: string): Promise<void> {
    try {
      await this.call(`delete ${snapshotId}`, () => this.client.deleteSnapshot(snapshotId));
    } catch (error) {
      if (error instanceof AgentCallError && error.status === 404) return; // already gone: the goal is met
      throw error;
    }
  }

  async stopWorker(workerId: string): Promise<void> {
    try {
      await this.call(`stop ${workerId}`, () => this.client.deleteWorker(workerId));
    } catch (error) {
      if (error instanceof AgentCallError && error.status === 404) return;
      throw error;
    }
  }
}

/** A client for the agent at `url` (http://host:port, or unix:/absolute/socket). */
export function agentClientFor(url: string, token: string, timeoutMs: number, retries: number): AgentClient {
  if (url.startsWith('unix:')) return new AgentClient({ socketPath: url.slice('unix:'.length), token, timeoutMs, retries });
  return new AgentClient({ baseUrl: url, token, timeoutMs, retries });
}
