/**
 * The local invoker: a harness that plays OpenWhisk's invoker where there is no OpenWhisk. It routes
 * each activation to a worker of the action (asking the orchestrator for a new one when there is none,
 * as the invoker asks its container pool), sends `/run` through the agent, evicts workers by the chosen
 * model, and publishes one EventMessage per activation in OpenWhisk's format. The sidecar, agent and
 * policy behind it are the real ones.
 */
import type { Logger } from '../log/logger';
import type { Orchestrator, ProvidedWorker } from '../sidecar/orchestrator';
import type { AgentPort } from '../sidecar/orchestration/ports';
import { buildActivationEvent, defaultInvokerIdentity, newActivationId, type ActivationEventMessage, type InvokerIdentity } from './activationEvent';
import type { EvictionModel } from './eviction';
import type { RequestSample } from './results';

/** Where the invoker publishes its events: Kafka's `events` topic or the in-process bus. */
export interface EventSink {
  publish(message: ActivationEventMessage): Promise<void>;
}

interface Current {
  worker: ProvidedWorker;
  served: number;
  lastUsedAt: number;
  /** Request number of the worker's runtime state now. */
  requestNumber: number;
}

export interface InvokeResult extends RequestSample {
  activationId: string;
  workerId: string;
}

export interface LocalInvokerOptions {
  eviction: EvictionModel;
  memoryMb?: number;
  identity?: InvokerIdentity;
}

export class LocalInvoker {
  private readonly current = new Map<string, Current>();
  private readonly published = new Map<string, number>();
  private readonly requests = new Map<string, number>();
  /** Request numbers at which restored workers served their first request. */
  readonly restoredAt = new Map<string, number[]>();

  constructor(
    private readonly orchestrator: Orchestrator,
    private readonly agent: Pick<AgentPort, 'run'>,
    private readonly events: EventSink,
    private readonly opts: LocalInvokerOptions,
    private readonly log: Logger,
  ) {}

  /** Events published for the action so far (the sidecar should eventually have applied as many). */
  publishedCount(action: string): number {
    return this.published.get(action) ?? 0;
  }

  async invoke(action: string, params: Record<string, unknown>): Promise<InvokeResult> {
    // OpenWhisk's controller names the activation before an invoker sees it: not part of the timed path.
    const activationId = newActivationId();
    const t0 = performance.now();
    let cur = this.current.get(action);
    if (cur && this.opts.eviction.evictBeforeRequest(cur, Date.now())) {
      await this.evict(action, cur);
      cur = undefined;
    }
    let startWaitMs = 0;
    let fresh = false;
    let initOnPath = false;
    if (!cur) {
      const acquired = await this.orchestrator.acquire(action);
      startWaitMs = acquired.waitedMs;
      initOnPath = !acquired.fromStandby && acquired.worker.kind === 'cold';
      cur = { worker: acquired.worker, served: 0, lastUsedAt: Date.now(), requestNumber: acquired.worker.requestNumber };
      this.current.set(action, cur);
      fresh = true;
    }
    const worker = cur.worker;
    const tRun = performance.now();
    let statusCode: 0 | 1 | 2 | 3 = 0;
    let size: number | undefined;
    let broken = false;
    let agentRunMs: number | undefined;
    try {
      const out = await this.agent.run(worker.workerId, activationId, params);
      statusCode = out.statusCode;
      size = out.size;
      agentRunMs = out.runMs;
      cur.requestNumber = out.requestNumber;
    } catch (error) {
      // The worker is unusable (as OpenWhisk treats a container whose /run failed): internal error, evict.
      statusCode = 3;
      broken = true;
      cur.requestNumber++;
      this.log.warn({ action, workerId: worker.workerId, err: String(error) }, '/run failed');
    }
    const tEnd = performance.now();
    // Execution only: the /run round trip to the runtime as the agent timed it (lineage write excluded).
    const execMs = agentRunMs ?? tEnd - tRun;
    cur.served++;
    cur.lastUsedAt = Date.now();
    const start = fresh ? worker.kind : 'warm';
    if (fresh && worker.kind === 'restore') {
      const list = this.restoredAt.get(action) ?? [];
      list.push(cur.requestNumber);
      this.restoredAt.set(action, list);
    }

    // A cold worker's first activation carries its /init, exactly as OpenWhisk reports cold starts.
    const initMs = fresh && worker.kind === 'cold' ? worker.initMs : 0;
    const event = buildActivationEvent(
      {
        action,
        activationId,
        statusCode,
        initMs,
        runMs: execMs,
        // waitTime ends when /init (if it ran on the request path) or /run is sent.
        waitMs: Math.max(0, tRun - t0 - (initOnPath ? initMs : 0)),
        memoryMb: this.opts.memoryMb ?? 256,
        size,
        timestamp: Date.now(),
      },
      this.opts.identity ?? defaultInvokerIdentity,
    );
    try {
      await this.events.publish(event);
      this.published.set(action, this.publishedCount(action) + 1);
    } catch (error) {
      this.log.error({ action, activationId, err: String(error) }, 'could not publish the activation event');
    }

    const i = this.requests.get(action) ?? 0;
    this.requests.set(action, i + 1);
    const sample: InvokeResult = {
      i,
      e2eMs: tEnd - t0,
      execMs,
      startWaitMs,
      start,
      requestNumber: cur.requestNumber,
      ...(fresh ? { startedAtRequest: worker.requestNumber } : {}),
      statusCode,
      activationId,
      workerId: worker.workerId,
    };

    // Between requests, off the timed path: the checkpoint (if due), then eviction.
    if (!broken) await this.orchestrator.afterRequest(worker, cur.requestNumber);
    const retire = worker.retireAt !== null && cur.requestNumber >= worker.retireAt;
    if (broken || retire || this.opts.eviction.evictAfterRequest(cur)) await this.evict(action, cur);
    return sample;
  }

  /** Evicts every worker the invoker holds. */
  async drain(): Promise<void> {
    for (const [action, cur] of [...this.current]) await this.evict(action, cur);
  }

  private async evict(action: string, cur: Current): Promise<void> {
    if (this.current.get(action) === cur) this.current.delete(action);
    await this.orchestrator.release(cur.worker);
  }
}
