/**
 * `pronghorn sidecar` with an agent: the orchestration loop runs inside the sidecar (through its
 * SidecarHook), against the node agent over HTTP, with the sidecar's store and each action's policy
 * from its annotations. It serves the orchestration API (api.ts) on the sidecar's HTTP port.
 */
import type { FastifyInstance } from 'fastify';
import { policyParams, type ActionSettings } from '../../openwhisk/annotations';
import { createPolicy, createRng, type Policy, type PolicyContext, type Rng, type StartDecision } from '../../policy';
import type { InitValue } from '../../runtime/protocol';
import type { SidecarContext, SidecarHook } from '../main';
import { Orchestrator, type Acquired, type OrchestratorOptions, type ProvidedWorker } from '../orchestrator';
import { registerOrchestrationApi, UnknownActionCodeError, type OrchestrationService } from './api';
import { agentClientFor, HttpAgent, type AgentApi } from './httpAgent';
import { orchestratorOptions, type orchestratorSettings } from './settings';

type OrchestratorSettings = ReturnType<typeof orchestratorSettings.load>;
import type { SnapshotRecord } from '../../store/types';
import { partLogger } from '../../log/logger';

export interface OrchestratorHookOptions {
  client: AgentApi;
  /** Bearer token the orchestration API requires (the agent's token). */
  token: string;
  options: OrchestratorOptions;
  seed?: number;
}

export class OrchestratorHook implements SidecarHook, OrchestrationService {
  rejected = 0;
  private orchestrator: Orchestrator | null = null;
  private ctx: SidecarContext | null = null;
  private readonly inits = new Map<string, InitValue>();
  private readonly settings = new Map<string, ActionSettings>();
  private readonly policies = new Map<string, Policy>();
  private readonly handedOut = new Map<string, ProvidedWorker>();
  private readonly rng: Rng;

  constructor(private readonly opts: OrchestratorHookOptions) {
    this.rng = createRng(opts.seed ?? Date.now());
  }

  /** Adds the orchestration API to the sidecar's HTTP server (before it listens). */
  routes(app: FastifyInstance): void {
    registerOrchestrationApi(app, this, this.opts.token);
  }

  start(ctx: SidecarContext): void {
    this.ctx = ctx;
    const agent = new HttpAgent(this.opts.client, async (action) => {
      const init = this.inits.get(action);
      if (!init) throw new UnknownActionCodeError(action);
      return init;
    });
    this.orchestrator = new Orchestrator(
      ctx.store,
      agent,
      (action) => this.policyFor(action),
      (action) => this.contextFor(action),
      partLogger(ctx.log, 'orchestrator'),
      this.opts.options,
    );
    // Policies are synchronous; the action's annotations are fetched (and cached) before each start.
    this.orchestrator.beforeProvision = async (action) => {
      await this.refreshSettings(action);
    };
  }

  async stop(): Promise<void> {
    const o = this.orchestrator;
    this.orchestrator = null;
    if (!o) return;
    await Promise.all([...this.handedOut.values()].map((w) => o.release(w)));
    this.handedOut.clear();
    await o.close();
  }

  ready(): boolean {
    return this.orchestrator !== null;
  }

  /** The orchestrator's counters (for tests and the log). */
  get counters() {
    return this.orchestrator?.counters ?? null;
  }

  async decideStart(action: string): Promise<{ policy: string; decision: StartDecision }> {
    const ctx = this.need().ctx;
    try {
      await this.refreshSettings(action);
      const policy = this.policyFor(action);
      const decision = policy.chooseStart(await ctx.store.getActionState(action), this.contextFor(action));
      await ctx.store.appendDecision(action, { at: Date.now(), kind: 'start-decision', source: decision.source, checkpointAt: decision.checkpointAt, reason: decision.reason, policy: policy.name }).catch(() => undefined);
      return { policy: policy.name, decision };
    } catch (error) {
      // A broken policy or an unreachable store must not keep a container from starting: cold.
      ctx.log.error({ action, err: String(error) }, 'could not decide how to start a worker; answering cold');
      return { policy: 'cold', decision: { source: { kind: 'cold' }, checkpointAt: null, retireAt: null, reason: `decision failed: ${String(error)}` } };
    }
  }

  async acquire(action: string, init: InitValue | undefined): Promise<Acquired> {
    const { orchestrator } = this.need();
    if (init) this.inits.set(action, init);
    const got = await orchestrator.acquire(action);
    this.handedOut.set(got.worker.workerId, got.worker);
    return got;
  }

  afterRequest(workerId: string, requestNumber: number): Promise<SnapshotRecord | null> | null {
    const worker = this.handedOut.get(workerId);
    if (!worker) return null;
    return this.need().orchestrator.afterRequest(worker, requestNumber);
  }

  async release(workerId: string): Promise<boolean> {
    const worker = this.handedOut.get(workerId);
    if (!worker) return false;
    this.handedOut.delete(workerId);
    await this.need().orchestrator.release(worker);
    return true;
  }

  private need(): { orchestrator: Orchestrator; ctx: SidecarContext } {
    if (!this.orchestrator || !this.ctx) throw new Error('the orchestrator is not running');
    return { orchestrator: this.orchestrator, ctx: this.ctx };
  }

  private async refreshSettings(action: string): Promise<void> {
    if (!this.ctx) return;
    this.settings.set(action, await this.ctx.actionSettings.get(action));
  }

  private policyFor(action: string): Policy {
    const s = this.settings.get(action);
    // Actions that did not opt in start cold and are never snapshotted.
    const spec = s?.enabled ? s.policy : 'cold';
    const params = s?.enabled ? policyParams(s) : {};
    const key = `${spec} ${JSON.stringify(params)}`;
    let policy = this.policies.get(key);
    if (!policy) {
      policy = createPolicy(spec, params);
      this.policies.set(key, policy);
    }
    return policy;
  }

  private contextFor(action: string): PolicyContext {
    return { rng: this.rng, now: Date.now(), configuredLifetime: this.settings.get(action)?.lifetime };
  }
}

/**
 * The hook `pronghorn sidecar` runs when PRONGHORN_AGENT_URL (or --agent) names an agent; undefined
 * when none is configured (the sidecar then only learns). The token is the agent's, PRONGHORN_AGENT_TOKEN.
 */
export function orchestratorHookFromSettings(s: OrchestratorSettings, token: string | undefined): OrchestratorHook | undefined {
  if (!s.agentUrl) return undefined;
  if (!token) throw new Error('PRONGHORN_AGENT_URL is set but PRONGHORN_AGENT_TOKEN is not: the sidecar needs the agent\'s bearer token');
  const options = orchestratorOptions(s);
  // One attempt of the client lasts at most as long as the orchestrator's own per-attempt timeout.
  const client = agentClientFor(s.agentUrl, token, Math.max(s.startTimeoutMs, s.maintenanceTimeoutMs), s.retries);
  return new OrchestratorHook({ client, token, options });
}
