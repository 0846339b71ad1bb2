/**
 * Finds a Redis for tests and benchmarks: REDIS_URL when set and reachable, else 127.0.0.1:6379 when
 * reachable, else a redis-server of our own on a free port (no persistence), stopped by stop().
 * Callers share a Redis with others, so they must keep to their own key prefix.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { InfraError } from './errors';
import { freePort } from './ports';
import { removePidfile, runCommand, stopChild, tailOf, writePidfile } from './processes';
import { infraSettings } from './settings';
import { logger } from '../log/logger';

export interface AcquiredRedis {
  url: string;
  /** True when we started redis-server ourselves (stop() then ends it). */
  started: boolean;
  stop(): Promise<void>;
}

export interface AcquireRedisOptions {
  /** Tried first; default REDIS_URL. */
  url?: string;
  /** Tried next (default redis://127.0.0.1:6379); null skips it. */
  fallbackUrl?: string | null;
  /** redis-server executable (default: redis-server on PATH). */
  serverBin?: string;
  pidDir?: string;
}

const log = logger('infra');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True when a PING to url is answered within timeoutMs. */
export async function redisReachable(url: string, timeoutMs = 3000): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, commandTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export async function acquireRedis(opts: AcquireRedisOptions = {}): Promise<AcquiredRedis> {
  const configured = opts.url ?? infraSettings.load().redisUrl;
  const fallback = opts.fallbackUrl === undefined ? 'redis://127.0.0.1:6379' : opts.fallbackUrl;
  for (const url of [configured, fallback]) {
    if (!url) continue;
    if (await redisReachable(url)) return { url, started: false, stop: async () => undefined };
    if (url === configured) log.warn({ url }, 'REDIS_URL is set but not reachable; trying the next option');
  }
  return startRedisServer(opts.serverBin ?? 'redis-server', opts.pidDir);
}

async function startRedisServer(bin: string, pidDir?: string): Promise<AcquiredRedis> {
  if ((await runCommand(bin, ['--version'], 10_000)).error) {
    throw new InfraError('redis-missing', `no Redis reachable (REDIS_URL, 127.0.0.1:6379) and '${bin}' cannot run; install it (apt-get install redis-server) or set REDIS_URL`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pronghorn-redis-'));
  const port = await freePort();
  const logFile = path.join(dir, 'redis.log');
  const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', logFile], { stdio: 'ignore' });
  let exited = false;
  child.once('exit', () => (exited = true));
  const pidfile = pidDir && child.pid ? writePidfile(pidDir, { pid: child.pid, owner: process.pid, marker: `127.0.0.1:${port}`, what: 'redis' }) : undefined;
  const url = `redis://127.0.0.1:${port}`;
  const stop = async () => {
    await stopChild(child, 5000);
    removePidfile(pidfile);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  while (!(await redisReachable(url, 300))) {
    if (exited || Date.now() > deadline) {
      const tail = tailOf(logFile, 15);
      await stop();
      throw new InfraError(exited ? 'exited-early' : 'not-ready', `redis-server on port ${port} ${exited ? 'exited early' : 'did not answer within 15 s'}${tail ? `:\n${tail}` : ''}`);
    }
    await sleep(100);
  }
  log.info({ url }, 'started redis-server');
  return { url, started: true, stop };
}

/**
 * Calls `each` with every batch of keys matching `pattern`. SCAN, not KEYS: a shared Redis is never
 * blocked for long, whatever its size.
 */
export async function forEachKeyBatch(redis: Redis, pattern: string, each: (keys: string[]) => Promise<unknown>, count = 500): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', count);
    cursor = next;
    if (keys.length > 0) await each(keys);
  } while (cursor !== '0');
}

/** Deletes every key matching `pattern` (a run's keys from a shared Redis, say). */
export async function deleteKeysMatching(redis: Redis, pattern: string, count = 500): Promise<void> {
  await forEachKeyBatch(redis, pattern, (keys) => redis.unlink(...keys), count);
}
