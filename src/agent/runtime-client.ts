/**
 * HTTP client for one worker's action runtime (the OpenWhisk action protocol), over a Unix socket or TCP.
 * No keep-alive: a connection left open across a dump would be captured in the snapshot.
 */
import http from 'node:http';
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
  private readonly target: { socketPath: string } | { hostname: string; port: number };

  constructor(
    readonly address: RuntimeAddress,
    private readonly timeoutMs = 0,
  ) {
    if ('socketPath' in address) this.target = { socketPath: address.socketPath };
    else {
      const url = new URL(address.url);
      if (url.protocol !== 'http:') throw new Error(`runtime address ${address.url}: only http:// is supported`);
      this.target = { hostname: url.hostname, port: url.port === '' ? 80 : Number(url.port) };
    }
  }

  /**
   * One request on a connection of its own, with node:http directly: this hop is on every activation's
   * path, and a general-purpose client (axios) cost about 0.7 ms per call more here (docs/agent.md).
   * Replies are parsed as JSON when they are JSON, else returned as text.
   */
  private call(method: 'GET' | 'POST', path: string, body?: unknown, timeout = this.timeoutMs): Promise<RuntimeReply> {
    const t0 = process.hrtime.bigint();
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: http.OutgoingHttpHeaders = { connection: 'close' };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    }
    return new Promise<RuntimeReply>((resolve, reject) => {
      const req = http.request({ ...this.target, method, path, headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const ms = Number(process.hrtime.bigint() - t0) / 1e6;
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          if (text !== '' && /\bjson\b/.test(String(res.headers['content-type'] ?? ''))) {
            try {
              parsed = JSON.parse(text);
            } catch {
              // not JSON after all: the text is the body
            }
          }
          const exec = res.headers[EXEC_MS_HEADER];
          resolve({ status: res.statusCode ?? 0, body: parsed, ms, execMs: typeof exec === 'string' ? Number(exec) : undefined });
        });
      });
      req.on('error', reject);
      if (timeout > 0) req.setTimeout(timeout, () => req.destroy(new Error(`no reply from the runtime within ${timeout} ms`)));
      req.end(payload);
    });
  }

  init(value: unknown): Promise<RuntimeReply> {
    return this.call('POST', '/init', { value });
  }

  run(body: unknown): Promise<RuntimeReply> {
    return this.call('POST', '/run', body);
  }

  restored(info: { workerId: string; snapshotId: string; requestNumber: number; prefault?: boolean }): Promise<RuntimeReply> {
    return this.call('POST', '/pronghorn/restored', info, CONTROL_TIMEOUT_MS);
  }

  beforeDump(): Promise<RuntimeReply> {
    return this.call('POST', '/pronghorn/before-dump', {}, CONTROL_TIMEOUT_MS);
  }

  status(): Promise<RuntimeReply> {
    return this.call('GET', '/pronghorn/status', undefined, CONTROL_TIMEOUT_MS);
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
