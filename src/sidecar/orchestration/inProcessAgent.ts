/**
 * The agent's mechanism (AgentCore) in the same process, seen through the orchestrator's AgentPort:
 * used by the embedded mode and the bench, where sidecar and agent share one process. Calls cannot be
 * aborted in flight, so a start that completes after its caller gave up is stopped at once instead of
 * leaking a worker.
 */
import type { AgentCore, WorkerView } from '../../agent/core';
import { AgentError } from '../../agent/errors';
import type { SnapshotMeta } from '../../agent/snapshots';
import type { InitValue } from '../../runtime/protocol';
import type { SnapshotRecord } from '../../store/types';
import { startedWorker, type AgentPort, type RunOutcome, type StartedWorker } from './ports';

export function snapshotRecordOf(meta: SnapshotMeta): SnapshotRecord {
  return {
    snapshotId: meta.snapshotId,
    action: meta.action,
    node: meta.node,
    requestNumber: meta.requestNumber,
    bytes: meta.bytes,
    dumpMs: meta.dumpMs,
    restoreMs: meta.restoreMs,
    createdAt: meta.createdAt,
    parentSnapshotId: meta.parentSnapshotId,
    ...(meta.chain ? { chain: meta.chain } : {}),
  };
}

/** OpenWhisk's activation status from the runtime's HTTP answer (openwhisk-interfaces.md §9). */
export function activationStatusOf(httpStatus: number, body: unknown): 0 | 1 | 2 | 3 {
  const hasError = typeof body === 'object' && body !== null && 'error' in body;
  if (httpStatus === 200 && !hasError) return 0;
  if (hasError && httpStatus !== 502) return 1;
  return 2;
}

export class InProcessAgent implements AgentPort {
  constructor(
    private readonly core: AgentCore,
    /** The /init value of an action (by its fully qualified name). */
    private readonly initFor: (action: string) => InitValue,
  ) {}

  get backend(): string {
    return this.core.backendName;
  }

  private async started(signal: AbortSignal, create: Promise<WorkerView>): Promise<StartedWorker> {
    const view = await create;
    if (signal.aborted) {
      // The caller timed out and moved on (retry or fallback): this worker has no owner.
      await this.core.deleteWorker(view.workerId).catch(() => undefined);
      throw new Error(`worker ${view.workerId} started after its caller gave up`);
    }
    return startedWorker(view);
  }

  startCold(action: string, signal: AbortSignal): Promise<StartedWorker> {
    return this.started(signal, this.core.createWorker({ action, init: this.initFor(action) }));
  }

  restore(action: string, snapshot: SnapshotRecord, signal: AbortSignal, opts: { prefault?: boolean } = {}): Promise<StartedWorker> {
    return this.started(signal, this.core.createWorker({ action, init: this.initFor(action), snapshotId: snapshot.snapshotId, prefault: opts.prefault === true }));
  }

  async run(workerId: string, activationId: string, params: Record<string, unknown>): Promise<RunOutcome> {
    const view = this.core.getWorker(workerId);
    const [namespace] = view.action.split('/');
    const out = await this.core.run(workerId, {
      value: params,
      namespace,
      action_name: `/${view.action}`,
      activation_id: activationId,
      deadline: String(Date.now() + 60_000),
    });
    const size = out.result === undefined ? undefined : JSON.stringify(out.result).length;
    return {
      statusCode: activationStatusOf(out.statusCode, out.result),
      runMs: out.timings.roundTripMs,
      requestNumber: out.requestNumber,
      size,
      result: out.result,
    };
  }

  async snapshot(workerId: string): Promise<SnapshotRecord> {
    const out = await this.core.snapshot(workerId);
    if (!out.snapshot) throw new Error(`the agent scheduled instead of taking a snapshot of ${workerId}`);
    return snapshotRecordOf(out.snapshot);
  }

  async deleteSnapshot(_action: string, snapshotId: string): Promise<void> {
    try {
      this.core.deleteSnapshot(snapshotId);
    } catch (error) {
      if (error instanceof AgentError && error.status === 404) return; // already gone: the goal is met
      throw error;
    }
  }

  whenIdle(): Promise<void> {
    return this.core.whenIdle();
  }

  async stopWorker(workerId: string): Promise<void> {
    try {
      await this.core.deleteWorker(workerId);
    } catch (error) {
      if (error instanceof AgentError && error.status === 404) return;
      throw error;
    }
  }
}
