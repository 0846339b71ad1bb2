/**
 * Typed client of the agent API for the sidecar, the local invoker and tests. Only idempotent calls
 * (GET, DELETE) are retried; a failed create, run or snapshot is reported to the caller to decide.
 */
import axios, { AxiosInstance, isAxiosError } from 'axios';
import axiosRetry from 'axios-retry';
import type { CreateWorkerRequest, RunOutcome, WorkerView } from './core';
import type { SnapshotMeta } from './snapshots';
import type { InitValue } from '../runtime/protocol';

export class AgentClientError extends Error {
  constructor(message: string, readonly status: number, readonly code: string) {
    super(message);
    this.name = 'AgentClientError';
  }
}

export interface AgentClientOptions {
  /** http://host:port, or omit and give socketPath. */
  baseUrl?: string;
  socketPath?: string;
  token: string;
  timeoutMs?: number;
  retries?: number;
}

export interface RunRequest {
  value?: Record<string, unknown>;
  activation_id?: string;
  namespace?: string;
  action_name?: string;
  action_version?: string;
  transaction_id?: string;
  deadline?: string | number;
  [key: string]: unknown;
}

export class AgentClient {
  private readonly http: AxiosInstance;

  constructor(opts: AgentClientOptions) {
    this.http = axios.create({
      baseURL: opts.baseUrl ?? 'http://agent',
      socketPath: opts.socketPath,
      timeout: opts.timeoutMs ?? 120_000,
      headers: { Authorization: `Bearer ${opts.token}` },
      maxBodyLength: Infinity,
      maxContentLength: Infinity,
    });
    axiosRetry(this.http, {
      retries: opts.retries ?? 3,
      retryDelay: axiosRetry.exponentialDelay,
      retryCondition: (err) => axiosRetry.isNetworkError(err) && ['get', 'delete'].includes(err.config?.method ?? ''),
    });
  }

  private async call<T>(method: 'get' | 'post' | 'delete', url: string, body?: unknown, params?: Record<string, string>): Promise<T> {
    try {
      const res = await this.http.request<T>({ method, url, data: body, params });
      return res.data;
    } catch (err) {
      if (isAxiosError(err) && err.response) {
        const data = err.response.data as { error?: string; code?: string } | undefined;
        throw new AgentClientError(`agent ${method.toUpperCase()} ${url}: ${data?.error ?? err.message}`, err.response.status, data?.code ?? 'unknown');
      }
      throw err;
    }
  }

  health(): Promise<{ ok: boolean; backend: string; workers: number; snapshots: number }> {
    return this.call('get', '/health');
  }

  createWorker(req: CreateWorkerRequest): Promise<WorkerView> {
    return this.call('post', '/v1/workers', req);
  }

  listWorkers(action?: string): Promise<WorkerView[]> {
    return this.call<{ workers: WorkerView[] }>('get', '/v1/workers', undefined, action ? { action } : undefined).then((r) => r.workers);
  }

  getWorker(workerId: string): Promise<WorkerView> {
    return this.call('get', `/v1/workers/${encodeURIComponent(workerId)}`);
  }

  deleteWorker(workerId: string): Promise<WorkerView> {
    return this.call('delete', `/v1/workers/${encodeURIComponent(workerId)}`);
  }

  init(workerId: string, value: InitValue): Promise<{ statusCode: number; body: unknown }> {
    return this.call('post', `/v1/workers/${encodeURIComponent(workerId)}/init`, { value });
  }

  run(workerId: string, req: RunRequest): Promise<RunOutcome> {
    return this.call('post', `/v1/workers/${encodeURIComponent(workerId)}/run`, req);
  }

  /** Without `at`: dump now (201 with the snapshot). With `at` ahead of the worker: scheduled (202). */
  snapshot(workerId: string, at?: number): Promise<{ snapshot?: SnapshotMeta; scheduledAt?: number }> {
    return this.call('post', `/v1/workers/${encodeURIComponent(workerId)}/snapshot`, at === undefined ? {} : { at });
  }

  listSnapshots(action?: string): Promise<SnapshotMeta[]> {
    return this.call<{ snapshots: SnapshotMeta[] }>('get', '/v1/snapshots', undefined, action ? { action } : undefined).then((r) => r.snapshots);
  }

  getSnapshot(snapshotId: string): Promise<SnapshotMeta> {
    return this.call('get', `/v1/snapshots/${encodeURIComponent(snapshotId)}`);
  }

  deleteSnapshot(snapshotId: string): Promise<{ snapshotId: string; bytesFreed: number }> {
    return this.call('delete', `/v1/snapshots/${encodeURIComponent(snapshotId)}`);
  }
}
