/**
 * HTTP client for one worker's action runtime (the OpenWhisk action protocol), over a Unix socket or TCP.
 * No keep-alive: a connection left open across a dump would be captured in the snapshot.
 */
import http from 'node:http';
import axios, { AxiosInstance } from 'axios';
import { EXEC_MS_HEADER } from '../runtime/app';

/** The runtime's own endpoints answer at once; a restored runtime that does not is broken. */
const CONTROL_TIMEOUT_MS = 10_000;

export type RuntimeAddress = { socketPath: string } | { url: string };

export interface RuntimeReply {
  status: number;
  body: unknown;
  /** Round trip agent → runtime → agent, ms. */
  ms: number;
  /** The action's own execution time as the runtime measured it, ms (run only). */
  execMs?: number;
}

export class RuntimeClient {
  private readonly http: AxiosInstance;

  constructor(readonly address: RuntimeAddress, timeoutMs = 0) {
    const agent = new http.Agent({ keepAlive: false });
    this.http = axios.create({
      ...('socketPath' in address ? { socketPath: address.socketPath, baseURL: 'http://runtime' } : { baseURL: address.url }),
      httpAgent: agent,
      timeout: timeoutMs,
      validateStatus: () => true,
      maxBodyLength: Infinity,
      maxContentLength: Infinity,
      headers: { Connection: 'close' },
    });
  }

  private async call(method: 'get' | 'post', path: string, body?: unknown, timeout?: number): Promise<RuntimeReply> {
    const t0 = process.hrtime.bigint();
    const res = method === 'get' ? await this.http.get(path, { timeout }) : await this.http.post(path, body ?? {}, { timeout });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const exec = res.headers[EXEC_MS_HEADER];
    return { status: res.status, body: res.data, ms, execMs: exec !== undefined ? Number(exec) : undefined };
  }

  init(value: unknown): Promise<RuntimeReply> {
    return this.call('post', '/init', { value });
  }

  run(body: unknown): Promise<RuntimeReply> {
    return this.call('post', '/run', body);
  }

  restored(info: { workerId: string; snapshotId: string; requestNumber: number }): Promise<RuntimeReply> {
    return this.call('post', '/pronghorn/restored', info, CONTROL_TIMEOUT_MS);
  }

  beforeDump(): Promise<RuntimeReply> {
    return this.call('post', '/pronghorn/before-dump', {}, CONTROL_TIMEOUT_MS);
  }

  status(): Promise<RuntimeReply> {
    return this.call('get', '/pronghorn/status', undefined, CONTROL_TIMEOUT_MS);
  }

  /** Polls the runtime until it answers (a fresh process needs a moment to listen). */
  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        const r = await this.status();
        if (r.status === 200) return;
        last = `status ${r.status}`;
      } catch (err) {
        last = (err as Error).message;
      }
      if (Date.now() > deadline) throw new Error(`runtime did not become ready within ${timeoutMs} ms (${String(last)})`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}
