/**
 * Worker supervisor: PID 1 of one worker's PID and mount namespaces (started by the criu backend with
 * `unshare`). It starts the action runtime cold, or restores it from a snapshot with `criu restore`,
 * and dumps it with `criu dump --leave-running`, all from inside the worker's namespaces so CRIU sees a
 * plain process tree. Commands arrive as JSON lines on stdin; replies go to stdout. It exits when
 * stdin closes; since it is PID 1, the kernel then kills everything left in the namespace.
 *
 * Environment: PRONGHORN_SUPERVISOR_SLOT (the worker directory's path inside the namespace),
 * PRONGHORN_CRIU_BIN, PRONGHORN_RUNTIME_ENTRY (dist/runtime/server.js), PRONGHORN_CRIU_TIMEOUT_MS,
 * PRONGHORN_CRIU_VERBOSITY.
 */
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { RUNTIME_LOG, RUNTIME_PID, RUNTIME_SOCKET, SupervisorCommand, type SupervisorMessage } from './protocol';

const slot = process.env.PRONGHORN_SUPERVISOR_SLOT ?? '';
const criu = process.env.PRONGHORN_CRIU_BIN ?? 'criu';
const runtimeEntry = process.env.PRONGHORN_RUNTIME_ENTRY ?? '';
// CRIU log verbosity (2 = errors and warnings; 4 = debug with timestamps, for finding where time goes).
// A corrupted image can leave CRIU waiting forever; past this it is killed (and the agent ends the worker).
const criuTimeoutMs = Number(process.env.PRONGHORN_CRIU_TIMEOUT_MS) > 0 ? Number(process.env.PRONGHORN_CRIU_TIMEOUT_MS) : 30_000;
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
    execFile(criu, args, { maxBuffer: 4 * 1024 * 1024, timeout: criuTimeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
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

async function handle(cmd: SupervisorCommand): Promise<SupervisorMessage> {
  switch (cmd.op) {
    case 'spawn': {
      if (runtimePid) return { type: 'reply', id: cmd.id, ok: false, error: 'a runtime is already running in this worker' };
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
      const logFile = path.join(cmd.workDir, 'restore.log');
      const pidFile = path.join(cmd.workDir, 'restored.pid');
      const t0 = process.hrtime.bigint();
      const r = await runCriu(['restore', '-D', cmd.imageDir, '-W', cmd.workDir, '-d', '--ext-unix-sk',
        '--pidfile', pidFile, '-o', logFile, `-v${criuVerbosity}`]);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (!r.ok) return { type: 'reply', id: cmd.id, ok: false, error: criuFailure(logFile, r) };
      runtimePid = Number(fs.readFileSync(pidFile, 'utf8').trim());
      watchAdopted(runtimePid);
      return { type: 'reply', id: cmd.id, ok: true, ms, pid: runtimePid };
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
  rl.on('close', () => process.exit(0));
  send({ type: 'ready', pid: process.pid });
}

main();
