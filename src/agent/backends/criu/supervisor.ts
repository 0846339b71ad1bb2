/**
 * Worker supervisor: PID 1 of one worker's PID and mount namespaces (started by the criu backend with
 * `unshare`). It starts the action runtime cold, or restores it from a snapshot with `criu restore`,
 * and dumps it with `criu dump --leave-running`, all from inside the worker's namespaces so CRIU sees a
 * plain process tree. Commands arrive as JSON lines on stdin; replies go to stdout. It exits when
 * stdin closes; since it is PID 1, the kernel then kills everything left in the namespace.
 *
 * Environment: PRONGHORN_SUPERVISOR_SLOT (the worker directory's path inside the namespace),
 * PRONGHORN_CRIU_BIN, PRONGHORN_RUNTIME_ENTRY (dist/runtime/server.js), PRONGHORN_CRIU_TIMEOUT_MS,
 * PRONGHORN_CRIU_VERBOSITY, PRONGHORN_CRIU_PREWARM (0: no pre-started `criu restore`).
 */
import { spawn, execFile, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { RUNTIME_LOG, RUNTIME_PID, RUNTIME_SOCKET, SupervisorCommand, type SupervisorMessage } from './protocol';

const slot = process.env.PRONGHORN_SUPERVISOR_SLOT ?? '';
const criuBin = process.env.PRONGHORN_CRIU_BIN ?? 'criu';

/**
 * scripts/install-criu.sh installs CRIU with its own libraries under `<prefix>/root` and a shell wrapper
 * `<prefix>/bin/criu` that runs it under that root's loader. Running the loader directly saves a shell
 * and a `dirname` process (tens of ms under load) on every dump; any other CRIU is run as it is.
 */
function criuCommand(bin: string): { file: string; pre: string[] } {
  const root = path.resolve(path.dirname(bin), '..', 'root');
  const loader = path.join(root, 'usr/lib64/ld-linux-x86-64.so.2');
  const real = path.join(root, 'usr/sbin/criu');
  if (path.isAbsolute(bin) && fs.existsSync(loader) && fs.existsSync(real)) {
    const libs = [path.join(root, 'usr/lib/x86_64-linux-gnu'), path.join(root, 'lib/x86_64-linux-gnu')].join(':');
    return { file: loader, pre: ['--library-path', libs, real] };
  }
  return { file: bin, pre: [] };
}
const criuCmd = criuCommand(criuBin);
const runtimeEntry = process.env.PRONGHORN_RUNTIME_ENTRY ?? '';
// CRIU log verbosity (2 = errors and warnings; 4 = debug with timestamps, for finding where time goes).
// A corrupted image can leave CRIU waiting forever; past this it is killed (and the agent ends the worker).
const criuTimeoutMs = Number(process.env.PRONGHORN_CRIU_TIMEOUT_MS) > 0 ? Number(process.env.PRONGHORN_CRIU_TIMEOUT_MS) : 30_000;
// Start `criu restore` ahead in stand-by workers (see startPrewarmed); 0 turns it off.
const prewarm = process.env.PRONGHORN_CRIU_PREWARM !== '0';
const criuVerbosity = /^[0-4]$/.test(process.env.PRONGHORN_CRIU_VERBOSITY ?? '') ? process.env.PRONGHORN_CRIU_VERBOSITY : '2';

function send(msg: SupervisorMessage): void {
  process.stdout.write(JSON.stringify(msg) + '\n');
}

/** Makes the next PID in this namespace `pid` (only PID 1 of a fresh namespace is alone enough to rely on it). */
function setNextPid(pid: number): void {
  if (process.pid !== 1) return;
  fs.writeFileSync('/proc/sys/kernel/ns_last_pid', String(pid - 1));
}

function runCriu(args: string[]): Promise<{ ok: boolean; output: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    execFile(criuCmd.file, [...criuCmd.pre, ...args], { maxBuffer: 4 * 1024 * 1024, timeout: criuTimeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const timedOut = Boolean(err && (err as { killed?: boolean }).killed);
      resolve({ ok: !err, timedOut, output: `${stdout}${stderr}${err && !stderr ? String(err) : ''}` });
    });
  });
}

/** Lines CRIU logs on every run here that explain nothing (see criu-on-these-machines.md). */
const HARMLESS = /RLIMIT_NOFILE|Hardware breakpoints|tun: Unable to create tun|no version information/;

/** The last meaningful lines of CRIU's log and output: why it failed. */
function criuFailure(logFile: string, r: { output: string; timedOut: boolean }): string {
  let log = '';
  try {
    log = fs.readFileSync(logFile, 'utf8');
  } catch {
    /* CRIU may fail before it opens its log */
  }
  const meaningful = (text: string): string[] => text.split('\n').map((l) => l.trim()).filter((l) => l && !HARMLESS.test(l));
  const lines = [...meaningful(r.output).slice(-3), ...meaningful(log).slice(-4)];
  if (r.timedOut) lines.unshift(`criu did not finish within ${criuTimeoutMs} ms and was killed; last log lines:`);
  return lines.join(' | ').slice(0, 2000) || 'criu failed without a message';
}

let runtimePid = 0;
let exitWatch: NodeJS.Timeout | undefined;

/** A restored runtime is adopted by PID 1 rather than spawned by us: notice its end by polling /proc. */
function watchAdopted(pid: number): void {
  exitWatch = setInterval(() => {
    let state = '';
    try {
      state = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] ?? '';
    } catch {
      state = 'gone';
    }
    if (state === 'Z' || state === 'gone') {
      clearInterval(exitWatch);
      send({ type: 'exit', pid, code: null, signal: null });
    }
  }, 500);
  exitWatch.unref();
}

/**
 * A pre-started `criu restore`, waiting for its images. Starting CRIU costs 0.1–0.8 s on these machines
 * (its private loader, ~25 libraries, option parsing, the kernel-feature cache), which would otherwise sit
 * on every restore's critical path. A stand-by worker therefore starts `criu restore` ahead on a directory
 * of its own whose `inventory.img` is a FIFO: CRIU gets through its start-up and blocks in open() on the
 * FIFO (the first image it reads). A restore links the snapshot's other images into that directory and
 * writes the real inventory into the FIFO; CRIU goes on from there.
 */
interface Prewarmed {
  proc: ChildProcess;
  dir: string;
  workDir: string;
  exited: Promise<{ code: number | null; output: string }>;
  alive: boolean;
}
let prewarmed: Prewarmed | undefined;
const PREWARM_INVENTORY = 'inventory.img';

function startPrewarmed(): void {
  if (!prewarm || !slot) return;
  const dir = path.join(slot, 'prewarm-img');
  const workDir = path.join(slot, 'restore');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.mkdirSync(workDir, { recursive: true, mode: 0o700 });
  execFileSync('mkfifo', ['-m', '0600', path.join(dir, PREWARM_INVENTORY)]);
  const proc = spawn(criuCmd.file, [...criuCmd.pre, 'restore', '-D', dir, '-W', workDir, '-d', '--ext-unix-sk',
    '--pidfile', path.join(workDir, 'restored.pid'), '-o', path.join(workDir, 'restore.log'), `-v${criuVerbosity}`],
  { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (d: Buffer): void => void (output = (output + d.toString()).slice(-8192));
  proc.stdout!.on('data', collect);
  proc.stderr!.on('data', collect);
  const p: Prewarmed = { proc, dir, workDir, alive: true, exited: Promise.resolve({ code: null, output: '' }) };
  p.exited = new Promise((resolve) => proc.on('exit', (code) => ((p.alive = false), resolve({ code, output }))));
  proc.on('error', () => undefined);
  prewarmed = p;
}

function dropPrewarmed(): void {
  if (prewarmed?.alive) prewarmed.proc.kill('SIGKILL');
  prewarmed = undefined;
}

/** Restores through the pre-started CRIU; undefined when it is not (or no longer) waiting. */
async function restorePrewarmed(imageDir: string): Promise<{ ok: boolean; output: string; timedOut: boolean; logFile: string; pidFile: string; prewarmed: boolean } | undefined> {
  const p = prewarmed;
  prewarmed = undefined;
  if (!p || !p.alive) return undefined;
  for (const name of fs.readdirSync(imageDir)) {
    if (name !== PREWARM_INVENTORY) fs.symlinkSync(path.join(imageDir, name), path.join(p.dir, name));
  }
  const inventory = fs.readFileSync(path.join(imageDir, PREWARM_INVENTORY));
  // Non-blocking open: fails (ENXIO) instead of hanging while no CRIU reads the FIFO. A CRIU still
  // starting up is waited for (never slower than starting another); one that has exited is not.
  let fd = -1;
  const giveUp = Date.now() + criuTimeoutMs;
  while (fd < 0) {
    try {
      fd = fs.openSync(path.join(p.dir, PREWARM_INVENTORY), fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    } catch {
      if (!p.alive || Date.now() > giveUp) {
        p.proc.kill('SIGKILL');
        return undefined;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  try {
    fs.writeSync(fd, inventory); // a few hundred bytes: fits the FIFO's buffer in one write
  } finally {
    fs.closeSync(fd);
  }
  let timedOut = false;
  const timer = setTimeout(() => ((timedOut = true), p.proc.kill('SIGKILL')), criuTimeoutMs);
  const r = await p.exited;
  clearTimeout(timer);
  return { ok: r.code === 0, output: r.output, timedOut, logFile: path.join(p.workDir, 'restore.log'), pidFile: path.join(p.workDir, 'restored.pid'), prewarmed: true };
}

async function handle(cmd: SupervisorCommand): Promise<SupervisorMessage> {
  switch (cmd.op) {
    case 'spawn': {
      if (runtimePid) return { type: 'reply', id: cmd.id, ok: false, error: 'a runtime is already running in this worker' };
      dropPrewarmed();
      const log = fs.openSync(path.join(slot, RUNTIME_LOG), 'a');
      setNextPid(RUNTIME_PID);
      // setsid (detached), stdin /dev/null and no inherited descriptors beyond 0-2: what CRIU needs to dump it.
      const child = spawn(process.execPath, [runtimeEntry], {
        detached: true,
        stdio: ['ignore', log, log],
        env: { ...cmd.env, UV_USE_IO_URING: '0', PRONGHORN_RUNTIME_LISTEN: path.join(slot, RUNTIME_SOCKET) },
      });
      fs.closeSync(log);
      const pid = child.pid ?? 0;
      runtimePid = pid;
      child.on('exit', (code, signal) => send({ type: 'exit', pid, code, signal }));
      return { type: 'reply', id: cmd.id, ok: pid > 0, pid, error: pid > 0 ? undefined : 'spawn failed' };
    }
    case 'dump': {
      if (!runtimePid) return { type: 'reply', id: cmd.id, ok: false, error: 'no runtime to dump' };
      const logFile = path.join(cmd.workDir, 'dump.log');
      const t0 = process.hrtime.bigint();
      const r = await runCriu(['dump', '-t', String(runtimePid), '-D', cmd.imageDir, '-W', cmd.workDir,
        '--leave-running', '--ext-unix-sk', '-o', logFile, `-v${criuVerbosity}`]);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      return r.ok ? { type: 'reply', id: cmd.id, ok: true, ms, pid: runtimePid } : { type: 'reply', id: cmd.id, ok: false, error: criuFailure(logFile, r) };
    }
    case 'restore': {
      if (runtimePid) return { type: 'reply', id: cmd.id, ok: false, error: 'a runtime is already running in this worker' };
      // Files the dumped runtime had open must exist again (its log, at the same path in this namespace).
      fs.closeSync(fs.openSync(path.join(slot, RUNTIME_LOG), 'a'));
      let logFile = path.join(cmd.workDir, 'restore.log');
      let pidFile = path.join(cmd.workDir, 'restored.pid');
      const t0 = process.hrtime.bigint();
      let r = await restorePrewarmed(cmd.imageDir);
      if (r) ({ logFile, pidFile } = r);
      else {
        fs.mkdirSync(cmd.workDir, { recursive: true, mode: 0o700 });
        r = { ...(await runCriu(['restore', '-D', cmd.imageDir, '-W', cmd.workDir, '-d', '--ext-unix-sk',
          '--pidfile', pidFile, '-o', logFile, `-v${criuVerbosity}`])), logFile, pidFile, prewarmed: false };
      }
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (!r.ok) return { type: 'reply', id: cmd.id, ok: false, error: criuFailure(logFile, r) };
      runtimePid = Number(fs.readFileSync(pidFile, 'utf8').trim());
      watchAdopted(runtimePid);
      return { type: 'reply', id: cmd.id, ok: true, ms, pid: runtimePid, prewarmed: r.prewarmed };
    }
  }
}

function main(): void {
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    let cmd: SupervisorCommand;
    try {
      cmd = SupervisorCommand.parse(JSON.parse(line));
    } catch (err) {
      process.stderr.write(`supervisor: ignoring malformed command (${(err as Error).message.slice(0, 200)})\n`);
      return;
    }
    handle(cmd)
      .then(send)
      .catch((err: unknown) => send({ type: 'reply', id: cmd.id, ok: false, error: String(err) }));
  });
  // The agent is gone (or evicted this worker): leave, and the namespace goes with us.
  rl.on('close', () => (dropPrewarmed(), process.exit(0)));
  try {
    startPrewarmed();
  } catch (err) {
    process.stderr.write(`supervisor: no pre-started CRIU (${(err as Error).message.slice(0, 200)}); restores start it\n`);
  }
  send({ type: 'ready', pid: process.pid });
}

main();
