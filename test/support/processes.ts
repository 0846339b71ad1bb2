/** Process checks for tests that must leave nothing running behind them. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { commandLine } from '../../src/infra/processes';

/** How many processes have a command line matching `pattern` (pgrep -f). */
export function processesMatching(pattern: string): number {
  try {
    return execFileSync('pgrep', ['-f', pattern]).toString().trim().split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

/**
 * Pids of the processes below `root` (children, grandchildren ...) whose command line matches `pattern`.
 * Unlike processesMatching, it does not count another run's processes on the same machine.
 */
export function descendantsMatching(root: number, pattern: RegExp): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name in parentheses may contain spaces: the fields after the last ')' are fixed.
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // The process has gone meanwhile.
    }
  }
  const below = (pid: number): boolean => {
    for (let p = parentOf.get(pid); p !== undefined && p > 1; p = parentOf.get(p)) if (p === root) return true;
    return false;
  };
  return [...parentOf.keys()].filter((pid) => below(pid) && pattern.test(commandLine(pid)));
}

/** Whether a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A `pronghorn` command run as a child process, its stderr collected, for tests that signal it. */
export interface PronghornRun {
  child: ChildProcess;
  stderr(): string;
  /** The exit code, or 'timeout' when it has not exited within `ms`. */
  exitWithin(ms: number): Promise<number | null | 'timeout'>;
  /** If it still runs (a failed check): SIGTERM so it cleans up after itself, SIGKILL after 30 s. */
  stop(): Promise<void>;
}

export function runPronghorn(args: string[], env: NodeJS.ProcessEnv): PronghornRun {
  const bin = path.resolve(__dirname, '..', '..', 'bin', 'pronghorn.js');
  const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const within = <T>(ms: number, value: T) => new Promise<T>((r) => setTimeout(() => r(value), ms));
  return {
    child,
    stderr: () => stderr,
    exitWithin: (ms) => Promise.race([exited, within(ms, 'timeout' as const)]),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await Promise.race([exited, within(30_000, null)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
