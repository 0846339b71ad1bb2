/**
 * Child services (Kafka, redis-server) and their pidfiles. A pidfile records the service's pid, the pid of
 * the process that owns it, and a marker string from its command line. When an earlier test run was
 * killed before it could stop its services, `reapOrphans` finds pidfiles whose owner is gone and stops
 * those services — but only if the pid still runs a command carrying the marker, so a reused pid or a
 * service of a run still in progress is never touched.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { z } from 'zod';

const PidfileSchema = z.object({ pid: z.number().int().positive(), owner: z.number().int().positive(), marker: z.string().min(1), what: z.string() });
export type Pidfile = z.infer<typeof PidfileSchema>;

/** True while pid runs; a zombie (exited, not yet reaped by its parent) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) state ..."; comm may hold spaces, so read after the last ')'.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT'; // ENOENT: it exited meanwhile
  }
}

/** The command line of pid, arguments joined by spaces ('' once it has gone). */
export function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

export function writePidfile(dir: string, entry: Pidfile): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${entry.what}-${entry.pid}.json`);
  fs.writeFileSync(file, JSON.stringify(entry));
  return file;
}

export function removePidfile(file: string | undefined): void {
  if (file) fs.rmSync(file, { force: true });
}

/** Stops services whose owning run is gone; returns what it stopped (for a log line). */
export async function reapOrphans(dir: string): Promise<string[]> {
  if (!fs.existsSync(dir)) return [];
  const reaped: string[] = [];
  for (const name of fs.readdirSync(dir)) {
    if (!name.endsWith('.json')) continue;
    const file = path.join(dir, name);
    let entry: Pidfile;
    try {
      entry = PidfileSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
    } catch {
      fs.rmSync(file, { force: true }); // unreadable: nothing we could safely act on
      continue;
    }
    if (isAlive(entry.owner) && entry.owner !== process.pid) continue; // its run is still going
    if (isAlive(entry.pid) && commandLine(entry.pid).includes(entry.marker)) {
      await terminate(entry.pid, 5000);
      reaped.push(`${entry.what} pid ${entry.pid}`);
    }
    fs.rmSync(file, { force: true });
  }
  return reaped;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL after graceMs if the process is still there. */
export async function terminate(pid: number, graceMs: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return;
    await sleep(50);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/** Stops a child we spawned and waits for its exit event (SIGKILL after graceMs). */
export function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** The last `lines` lines of a file, or '' if it does not exist. */
export function tailOf(file: string, lines = 25): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export interface RunResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr interleaved. */
  output: string;
  /** Set when the command could not be started at all (e.g. ENOENT). */
  error?: NodeJS.ErrnoException;
}

/** Runs a command to completion without blocking the event loop (other services start meanwhile). */
export function runCommand(cmd: string, args: string[], timeoutMs = 120_000): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', (error: NodeJS.ErrnoException) => resolve({ status: null, signal: null, output, error }));
    child.once('close', (status, signal) => resolve({ status, signal, output }));
  });
}
