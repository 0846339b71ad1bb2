/** Test doubles for the orchestrator's unit tests: a scripted agent and a scripted policy. */
import pino from 'pino';
import type { ActionView, Policy, PolicyContext, StartDecision } from '../../../src/policy/types';
import type { AgentPort, RunOutcome, StartedWorker } from '../../../src/sidecar/orchestration/ports';
import type { SnapshotRecord } from '../../../src/store/types';

export const silentLog = pino({ level: 'silent' });

export type Behaviour = 'ok' | 'fail' | 'hang';

/** An agent whose calls succeed, throw, or never answer, as each test scripts them. */
export class ScriptedAgent implements AgentPort {
  readonly backend = 'scripted';
  calls: string[] = [];
  restoreScript: Behaviour[] = [];
  coldScript: Behaviour[] = [];
  snapshotScript: Behaviour[] = [];
  deleteScript: Behaviour[] = [];
  stopped: string[] = [];
  deleted: string[] = [];
  private seq = 0;
  private readonly numbers = new Map<string, number>();
  private readonly actions = new Map<string, string>();

  private async behave(script: Behaviour[], signal: AbortSignal): Promise<void> {
    const b = script.shift() ?? 'ok';
    if (b === 'fail') throw new Error('scripted failure');
    if (b === 'hang') {
      await new Promise<void>((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    }
  }

  async startCold(action: string, signal: AbortSignal): Promise<StartedWorker> {
    this.calls.push('cold');
    await this.behave(this.coldScript, signal);
    const workerId = `w${++this.seq}`;
    this.numbers.set(workerId, 0);
    this.actions.set(workerId, action);
    return { workerId, action, origin: { kind: 'cold' }, requestNumber: 0, startMs: 50, initMs: 20 };
  }

  async restore(action: string, snapshot: SnapshotRecord, signal: AbortSignal, opts: { prefault?: boolean } = {}): Promise<StartedWorker> {
    this.calls.push(`restore:${snapshot.snapshotId}${opts.prefault === true ? ':prefault' : ''}`);
    await this.behave(this.restoreScript, signal);
    const workerId = `w${++this.seq}`;
    this.numbers.set(workerId, snapshot.requestNumber);
    this.actions.set(workerId, action);
    return {
      workerId,
      action,
      origin: { kind: 'snapshot', snapshotId: snapshot.snapshotId, requestNumber: snapshot.requestNumber },
      requestNumber: snapshot.requestNumber,
      startMs: 30,
      initMs: 0,
    };
  }

  async run(workerId: string): Promise<RunOutcome> {
    const n = (this.numbers.get(workerId) ?? 0) + 1;
    this.numbers.set(workerId, n);
    return { statusCode: 0, runMs: 1, requestNumber: n };
  }

  async snapshot(workerId: string, signal: AbortSignal): Promise<SnapshotRecord> {
    this.calls.push(`snapshot:${workerId}`);
    await this.behave(this.snapshotScript, signal);
    return {
      snapshotId: `s-${workerId}-${this.numbers.get(workerId)}`,
      action: this.actions.get(workerId) ?? 'unknown',
      node: 'test',
      requestNumber: this.numbers.get(workerId) ?? 0,
      bytes: 1000,
      dumpMs: 10,
      restoreMs: 0,
      createdAt: Date.now(),
      parentSnapshotId: null,
    };
  }

  async deleteSnapshot(_action: string, snapshotId: string, signal: AbortSignal): Promise<void> {
    this.calls.push(`delete:${snapshotId}`);
    await this.behave(this.deleteScript, signal);
    this.deleted.push(snapshotId);
  }

  async stopWorker(workerId: string): Promise<void> {
    this.stopped.push(workerId);
  }
}

/** A policy that restores from the newest snapshot, checkpoints one request later, prunes as told. */
export class ScriptedPolicy implements Policy {
  readonly name = 'scripted';
  readonly params = {};
  admit = true;
  pruneIds: string[] = [];
  checkpointDelta: number | null = 1;

  chooseStart(view: ActionView): StartDecision {
    const newest = [...view.pool].sort((a, b) => b.requestNumber - a.requestNumber)[0];
    const from = newest ? newest.requestNumber : 0;
    return {
      source: newest ? { kind: 'snapshot', snapshotId: newest.snapshotId, requestNumber: newest.requestNumber } : { kind: 'cold' },
      checkpointAt: this.checkpointDelta === null ? null : from + this.checkpointDelta,
      retireAt: null,
      reason: 'scripted',
    };
  }

  admitSnapshot(): boolean {
    return this.admit;
  }

  prune(): string[] {
    const ids = this.pruneIds;
    this.pruneIds = [];
    return ids;
  }
}

export function fixedContext(): PolicyContext {
  return { rng: { next: () => 0.5, gaussian: () => 0, int: () => 0 }, now: 0 };
}
