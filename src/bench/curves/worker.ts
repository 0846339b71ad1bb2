/**
 * One long-lived worker of the project's action runtime (dist/runtime/server.js) as a child process,
 * driven over OpenWhisk's action protocol (POST /init, POST /run) on a Unix socket.
 */
import { spawn, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import axios, { AxiosInstance } from 'axios';

/** Header in which the runtime reports the action's own execution time (src/runtime/app.ts). */
const EXEC_MS_HEADER = 'x-pronghorn-exec-ms';

export interface RunReply {
  status: number;
  body: unknown;
  /** Round trip harness → runtime → harness, ms. */
  roundTripMs: number;
  /** The action's execution time as the runtime measured it (falls back to the round trip). */
  execMs: number;
}

export interface StartTimings {
  /** spawn → the runtime accepts connections, ms. */
  listenMs: number;
  /** POST /init round trip, ms. */
  initMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const elapsedMs = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e6;

function canConnect(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(socketPath);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export interface RuntimeWorkerOptions {
  /** dist/runtime/server.js of this repository. */
  serverJs: string;
  /** node_modules the actions' dependencies resolve from (plain-source actions are evaluated outside the repo). */
  nodeModules: string;
  /** Extra environment for the runtime process. */
  env?: Record<string, string>;
}

export class RuntimeWorker {
  private child: ChildProcess | undefined;
  private readonly dir: string;
  readonly socketPath: string;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private readonly http: AxiosInstance;
  private stderrTail = '';

  constructor(private readonly opts: RuntimeWorkerOptions) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pronghorn-curves-'));
    this.socketPath = path.join(this.dir, 'runtime.sock');
    this.http = axios.create({
      socketPath: this.socketPath,
      baseURL: 'http://runtime',
      httpAgent: this.agent,
      validateStatus: () => true,
      maxBodyLength: Infinity,
      maxContentLength: Infinity,
      timeout: 120000,
    });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the runtime process and sends /init with the action's source; returns the start timings. */
  async start(actionName: string, code: string): Promise<StartTimings> {
    const t0 = process.hrtime.bigint();
    const nodePath = [this.opts.nodeModules, process.env.NODE_PATH].filter(Boolean).join(path.delimiter);
    this.child = spawn(process.execPath, [this.opts.serverJs], {
      env: { ...process.env, ...this.opts.env, PRONGHORN_RUNTIME_LISTEN: this.socketPath, NODE_PATH: nodePath, UV_USE_IO_URING: '0' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-2000);
    });
    const exited = new Promise<never>((_, reject) => {
      this.child?.once('exit', (code) => reject(new Error(`runtime exited (code ${code}): ${this.stderrTail.trim()}`)));
    });
    exited.catch(() => undefined);
    const deadline = Date.now() + 30000;
    while (!(await Promise.race([canConnect(this.socketPath), exited]))) {
      if (Date.now() > deadline) throw new Error(`runtime did not listen within 30 s: ${this.stderrTail.trim()}`);
      await sleep(2);
    }
    const listenMs = elapsedMs(t0);
    const t1 = process.hrtime.bigint();
    const res = await this.http.post('/init', { value: { name: actionName, main: 'main', code, binary: false, env: {} } });
    const initMs = elapsedMs(t1);
    if (res.status !== 200) throw new Error(`/init of ${actionName} failed (${res.status}): ${JSON.stringify(res.data)}`);
    return { listenMs, initMs };
  }

  async run(params: Record<string, unknown>, activationId: string): Promise<RunReply> {
    const t0 = process.hrtime.bigint();
    const res = await this.http.post('/run', { value: params, activation_id: activationId, action_name: 'bench' });
    const roundTripMs = elapsedMs(t0);
    const header = Number(res.headers[EXEC_MS_HEADER]);
    return { status: res.status, body: res.data, roundTripMs, execMs: Number.isFinite(header) ? header : roundTripMs };
  }

  async stop(): Promise<void> {
    this.agent.destroy();
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([gone, sleep(3000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
