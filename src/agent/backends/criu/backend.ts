/**
 * The criu backend: each worker is a supervisor (supervisor.ts) that is PID 1 of its own PID and mount
 * namespaces, created with util-linux `unshare`. Inside, the worker's host directory is bind-mounted at
 * one fixed path (`<dataDir>/slot`), so every worker's runtime listens at the same path in its own view
 * and one snapshot can be restored into many workers at once. CRIU runs inside the namespaces, where it
 * sees a plain process tree: no namespace or mount dump, no cgroups, hence fast restores.
 *
 * Hot stand-by: `standby` supervisors are started ahead, so that a restore or cold start only pays for
 * the runtime itself (CRIU restore, or node start + /init), not for creating the worker.
 */
import { spawn, ChildProcess, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { Logger } from '../../../log/logger';
import { BackendError, type BackendWorker, type ColdStartOptions, type WorkerBackend } from '../../backend';
import { RuntimeClient } from '../../runtime-client';
import { RUNTIME_SOCKET, SupervisorMessage, type SupervisorCommand } from './protocol';

export interface CriuBackendOptions {
  /** Agent data directory (0700); workers live in `<dataDir>/workers`, the fixed mount point is `<dataDir>/slot`. */
  dataDir: string;
  criuBin: string;
  /** Compiled runtime (dist/runtime/server.js) and supervisor (dist/agent/backends/criu/supervisor.js). */
  runtimeEntry: string;
  supervisorEntry: string;
  /** Supervisors kept started ahead. */
  standby: number;
  /** Directory where zipped actions are extracted (passed to runtimes). */
  codeDir: string;
  log: Logger;
  readyTimeoutMs?: number;
  /** A dump or restore taking longer is killed and reported as failed (default 30 s). */
  criuTimeoutMs?: number;
  /** CRIU's -v level (default 2). */
  criuVerbosity?: number;
  /** Start `criu restore` ahead in stand-by workers, off the restore's critical path (default true). */
  prewarm?: boolean;
  /** NODE_OPTIONS for runtime processes (V8 heap flags change the image size). */
  runtimeNodeOptions?: string;
}

type Cmd = SupervisorCommand extends infer C ? (C extends { id: number } ? Omit<C, 'id'> : never) : never;
type Reply = Extract<SupervisorMessage, { type: 'reply' }>;

/** One supervisor process: its namespaces, its host directory and the command channel to it (exported for tests only). */
export class Supervisor {
  private nextId = 1;
  private readonly pending = new Map<number, (r: Reply) => void>();
  private exitListeners: ((why: string) => void)[] = [];
  exited = false;
  runtimePid = 0;

  constructor(readonly key: string, readonly dir: string, readonly proc: ChildProcess, readonly log: Logger) {}

  attach(onReady: (err?: Error) => void): void {
    const rl = readline.createInterface({ input: this.proc.stdout! });
    rl.on('line', (line) => {
      let msg: SupervisorMessage;
      try {
        msg = SupervisorMessage.parse(JSON.parse(line));
      } catch {
        this.log.warn({ worker: this.key, line: line.slice(0, 300) }, 'unexpected supervisor output');
        return;
      }
      if (msg.type === 'ready') onReady();
      else if (msg.type === 'reply') {
        this.pending.get(msg.id)?.(msg);
        this.pending.delete(msg.id);
      }
      else if (msg.type === 'exit' && msg.pid === this.runtimePid) this.fireExit(`runtime exited (code ${msg.code}, signal ${msg.signal})`);
    });
    this.proc.stderr!.on('data', (d: Buffer) => this.log.debug({ worker: this.key, stderr: d.toString().slice(0, 1000) }, 'supervisor stderr'));
    // A supervisor that dies while a command is on its way closes the pipe under the write (EPIPE). The
    // command's own callback answers it; without a listener the error would end the whole agent.
    this.proc.stdin!.on('error', (err) => this.log.debug({ worker: this.key, err: err.message }, 'supervisor stdin closed'));
    this.proc.on('exit', (code, signal) => {
      this.exited = true;
      onReady(new Error(`worker supervisor exited early (code ${code}, signal ${signal})`));
      for (const resolve of this.pending.values()) resolve({ type: 'reply', id: 0, ok: false, error: 'worker supervisor exited' });
      this.pending.clear();
      this.fireExit(`worker supervisor exited (code ${code}, signal ${signal})`);
    });
  }

  private fireExit(why: string): void {
    const listeners = this.exitListeners;
    this.exitListeners = [];
    for (const l of listeners) l(why);
  }

  onExit(l: (why: string) => void): void {
    if (this.exited) l('worker supervisor exited');
    else this.exitListeners.push(l);
  }

  command(cmd: Cmd): Promise<Reply> {
    if (this.exited) return Promise.resolve({ type: 'reply', id: 0, ok: false, error: 'worker supervisor is not running' });
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.proc.stdin!.write(JSON.stringify({ ...cmd, id }) + '\n', (err) => {
        if (!err || !this.pending.delete(id)) return;
        resolve({ type: 'reply', id, ok: false, error: `worker supervisor did not take the command: ${err.message}` });
      });
    });
  }

  async kill(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.proc.once('exit', () => r()));
    // SIGKILL to `unshare --kill-child` makes the kernel kill the supervisor, PID 1, hence the whole namespace.
    this.proc.kill('SIGKILL');
    await gone;
  }
}

class CriuWorker implements BackendWorker {
  constructor(readonly sup: Supervisor, readonly runtime: RuntimeClient) {}
  get key(): string {
    return this.sup.key;
  }
  onExit(listener: (why: string) => void): void {
    this.sup.onExit(listener);
  }
}

export class CriuBackend implements WorkerBackend {
  readonly name = 'criu';
  private readonly standby: Supervisor[] = [];
  private readonly live = new Set<Supervisor>();
  private refilling: Promise<void> | undefined;
  /** The deferred top-up (refillLater) while its timer has not fired. */
  private refillTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly slot: string;
  private readonly workersDir: string;
  private readonly kdatDir: string;
  private kdatMounted = false;
  /** Stand-by supervisors started and waiting (observability, tests). */
  get standbyReady(): number {
    return this.standby.length;
  }

  /** Restores served by a pre-started CRIU, and all successful restores (observability, tests). */
  readonly restoreCounts = { prewarmed: 0, total: 0 };

  constructor(private readonly opts: CriuBackendOptions) {
    this.slot = path.join(opts.dataDir, 'slot');
    this.workersDir = path.join(opts.dataDir, 'workers');
    this.kdatDir = path.join(opts.dataDir, 'criu-run');
  }

  /**
   * CRIU probes the kernel (~0.4 s here) unless it finds its cache /run/criu.kdat, which it only keeps on
   * a tmpfs. The host's /run is not one on these machines, so workers see a small shared tmpfs at /run.
   */
  private async mountKdatCache(): Promise<void> {
    fs.mkdirSync(this.kdatDir, { recursive: true, mode: 0o700 });
    if (await isTmpfs(this.kdatDir)) return;
    await execFileP('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0755', 'pronghorn-criu-run', this.kdatDir]);
    this.kdatMounted = true;
  }

  async start(): Promise<void> {
    if (process.getuid?.() !== 0) throw new BackendError('the criu backend needs root (namespaces, CRIU)', 'unavailable');
    await checkCriu(this.opts.criuBin);
    for (const d of [this.opts.dataDir, this.slot, this.workersDir]) fs.mkdirSync(d, { recursive: true, mode: 0o700 });
    fs.chmodSync(this.opts.dataDir, 0o700);
    // Directories of workers from a previous agent run: their processes died with it (stdin closed).
    for (const stale of fs.readdirSync(this.workersDir)) fs.rmSync(path.join(this.workersDir, stale), { recursive: true, force: true });
    await this.mountKdatCache();
    await this.refill();
  }

  private async launch(): Promise<Supervisor> {
    const key = `w${randomBytes(6).toString('hex')}`;
    const dir = path.join(this.workersDir, key);
    fs.mkdirSync(dir, { mode: 0o700 });
    const proc = spawn(
      'unshare',
      ['--pid', '--fork', '--kill-child', '--mount-proc', '--propagation', 'private', '--',
        '/bin/sh', '-c', 'mount --bind "$0" "$1" && mount --bind "$2" /run && exec "$3" "$4"',
        dir, this.slot, this.kdatDir, process.execPath, this.opts.supervisorEntry],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: {
          PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
          PRONGHORN_SUPERVISOR_SLOT: this.slot,
          PRONGHORN_CRIU_BIN: this.opts.criuBin,
          PRONGHORN_RUNTIME_ENTRY: this.opts.runtimeEntry,
          PRONGHORN_LOG_LEVEL: process.env.PRONGHORN_LOG_LEVEL ?? 'info',
          PRONGHORN_CRIU_VERBOSITY: String(this.opts.criuVerbosity ?? 2),
          PRONGHORN_CRIU_TIMEOUT_MS: String(this.opts.criuTimeoutMs ?? 30_000),
          PRONGHORN_CRIU_PREWARM: this.opts.prewarm === false ? '0' : '1',
        },
      },
    );
    const sup = new Supervisor(key, dir, proc, this.opts.log);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('worker supervisor did not start within 15 s')), 15_000);
        sup.attach((err) => (clearTimeout(timer), err ? reject(err) : resolve()));
        proc.on('error', (err) => (clearTimeout(timer), reject(err)));
      });
    } catch (err) {
      await sup.kill();
      fs.rmSync(dir, { recursive: true, force: true });
      throw new BackendError(`cannot start a worker: ${(err as Error).message}`, 'start');
    }
    this.live.add(sup);
    return sup;
  }

  /** Tops the stand-by pool up in the background (one refill at a time). */
  private refill(): Promise<void> {
    if (this.refilling) return this.refilling;
    this.refilling = (async () => {
      while (!this.closed && this.standby.length < this.opts.standby) {
        try {
          this.standby.push(await this.launch());
        } catch (err) {
          this.opts.log.error({ err: (err as Error).message }, 'stand-by worker failed to start');
          break;
        }
      }
    })().finally(() => (this.refilling = undefined));
    return this.refilling;
  }

  /**
   * A stand-by supervisor (or a new one). The pool is topped up only after the caller's restore or cold
   * start (`refillLater`): starting a supervisor and its pre-started CRIU costs CPU that, on a small
   * machine, the restore itself would otherwise have to share.
   */
  private async take(): Promise<Supervisor> {
    let sup = this.standby.shift();
    while (sup && sup.exited) sup = this.standby.shift();
    return sup ?? this.launch();
  }

  /** A moment after a restore returns, the agent's after-restore call to the runtime is still running. */
  private refillLater(): void {
    if (this.refillTimer) return; // the scheduled top-up fills the whole pool
    this.refillTimer = setTimeout(() => {
      this.refillTimer = undefined;
      void this.refill();
    }, 100);
    this.refillTimer.unref();
  }

  async whenIdle(): Promise<void> {
    if (this.refillTimer) {
      clearTimeout(this.refillTimer);
      this.refillTimer = undefined;
      void this.refill();
    }
    while (this.refilling) await this.refilling;
  }

  private runtimeOf(sup: Supervisor): RuntimeClient {
    return new RuntimeClient({ socketPath: path.join(sup.dir, RUNTIME_SOCKET) });
  }

  async createCold(opts: ColdStartOptions): Promise<BackendWorker> {
    try {
      return await this.startCold(opts);
    } finally {
      this.refillLater();
    }
  }

  private async startCold(opts: ColdStartOptions): Promise<BackendWorker> {
    const sup = await this.take();
    const env: Record<string, string> = { ...opts.env, PATH: process.env.PATH ?? '/usr/bin:/bin', PRONGHORN_RUNTIME_CODE_DIR: this.opts.codeDir };
    if (this.opts.runtimeNodeOptions) env.NODE_OPTIONS = this.opts.runtimeNodeOptions;
    const reply = await sup.command({ op: 'spawn', env });
    const worker = new CriuWorker(sup, this.runtimeOf(sup));
    try {
      if (!reply.ok) throw new Error(reply.error ?? 'spawn failed');
      sup.runtimePid = reply.pid ?? 0;
      await worker.runtime.waitReady(this.opts.readyTimeoutMs ?? 15_000);
    } catch (err) {
      await this.destroy(worker);
      throw new BackendError(`cold start failed: ${(err as Error).message}; runtime log: ${tail(path.join(sup.dir, 'out.log'))}`, 'start');
    }
    return worker;
  }

  async dump(worker: BackendWorker, imageDir: string): Promise<void> {
    const sup = (worker as CriuWorker).sup;
    fs.mkdirSync(imageDir, { recursive: true, mode: 0o700 });
    const workDir = fs.mkdtempSync(path.join(sup.dir, 'dump-'));
    try {
      const reply = await sup.command({ op: 'dump', imageDir, workDir });
      if (!reply.ok) {
        const kept = this.keepLog(path.join(workDir, 'dump.log'), `${sup.key}-dump-${Date.now()}.log`);
        throw new BackendError(`criu dump failed: ${reply.error}${kept ? ` (CRIU log: ${kept})` : ''}`, 'dump');
      }
    } finally {
      fs.rmSync(workDir, { recursive: true, force: true });
    }
  }

  async restore(imageDir: string): Promise<BackendWorker> {
    try {
      return await this.restoreInto(imageDir);
    } finally {
      this.refillLater();
    }
  }

  private async restoreInto(imageDir: string): Promise<BackendWorker> {
    const sup = await this.take();
    const worker = new CriuWorker(sup, this.runtimeOf(sup));
    const workDir = path.join(sup.dir, 'restore');
    fs.mkdirSync(workDir, { recursive: true, mode: 0o700 }); // a pre-started CRIU made it already
    const reply = await sup.command({ op: 'restore', imageDir, workDir });
    if (!reply.ok) {
      const kept = this.keepLog(path.join(workDir, 'restore.log'), `${sup.key}-restore.log`);
      await this.destroy(worker);
      throw new BackendError(`criu restore failed: ${reply.error}${kept ? ` (CRIU log: ${kept})` : ''}`, 'restore');
    }
    sup.runtimePid = reply.pid ?? 0;
    this.restoreCounts.total++;
    if (reply.prewarmed) this.restoreCounts.prewarmed++;
    this.opts.log.debug({ worker: sup.key, criuMs: reply.ms, prewarmed: reply.prewarmed === true }, 'restored');
    return worker;
  }

  /** Keeps the CRIU log of a failed dump or restore (the worker directory goes away) for diagnosis. */
  private keepLog(file: string, name: string): string | undefined {
    try {
      const dir = path.join(this.opts.dataDir, 'failed');
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const target = path.join(dir, name);
      fs.copyFileSync(file, target);
      fs.chmodSync(target, 0o600);
      // Keep the newest 20 only: a failure loop must not fill the disk.
      const old = fs.readdirSync(dir).map((f) => ({ f, t: fs.statSync(path.join(dir, f)).mtimeMs })).sort((a, b) => b.t - a.t).slice(20);
      for (const { f } of old) fs.rmSync(path.join(dir, f), { force: true });
      return target;
    } catch {
      return undefined;
    }
  }

  async destroy(worker: BackendWorker): Promise<void> {
    const sup = (worker as CriuWorker).sup;
    await sup.kill();
    this.live.delete(sup);
    fs.rmSync(sup.dir, { recursive: true, force: true });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.refillTimer) clearTimeout(this.refillTimer);
    await this.refilling;
    await Promise.all([...this.live].map(async (s) => (await s.kill(), fs.rmSync(s.dir, { recursive: true, force: true }))));
    this.live.clear();
    this.standby.length = 0;
    if (this.kdatMounted) await execFileP('umount', ['-l', this.kdatDir]).catch(() => undefined);
  }
}

function execFileP(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout))),
  );
}

async function isTmpfs(dir: string): Promise<boolean> {
  return (await execFileP('stat', ['-f', '-c', '%T', dir])).trim() === 'tmpfs';
}

function tail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-8).join('\n');
  } catch {
    return '(none)';
  }
}

/** A clear error when CRIU is missing or too old, before any worker depends on it. */
export function checkCriu(criuBin: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(criuBin, ['--version'], (err, stdout) => {
      if (err) {
        reject(new BackendError(`CRIU not usable at ${criuBin} (${err.message.split('\n')[0]}); install it with scripts/install-criu.sh or set PRONGHORN_CRIU_BIN`, 'unavailable'));
        return;
      }
      const m = /Version:\s*(\d+)\.(\d+)/.exec(stdout);
      if (!m || Number(m[1]) < 4 || (Number(m[1]) === 4 && Number(m[2]) < 2)) {
        reject(new BackendError(`CRIU at ${criuBin} is too old (${stdout.trim()}); 4.2 or newer is needed on Linux >= 6.16`, 'unavailable'));
        return;
      }
      resolve(`${m[1]}.${m[2]}`);
    });
  });
}
