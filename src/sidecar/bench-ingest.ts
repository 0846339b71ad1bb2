/**
 * `bench-ingest`: events per second from a real Kafka broker into real Redis through the sidecar (a
 * child process, as deployed), next to a bare kafkajs consumer of the same messages (also a child
 * process: both start cold); the sidecar's peak resident memory; and a run in which the sidecar is
 * SIGKILLed and restarted mid-stream, after which the counts in Redis must equal the events produced.
 *
 * Rates are measured the same way for both consumers: events / (time of the last event - time the
 * consumer joined its group), so that process start and group join are not counted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { startKafkaBroker } from '../infra/kafka';
import { acquireRedis, deleteKeysMatching } from '../infra/redis';
import { repoRoot } from '../infra/paths';
import { RedisStateStore } from '../store/redis';
import { slotOf } from '../policy/stats';
import { SIDECAR_NODE_OPTIONS } from './node-options';
import type { LineageRecord } from '../store/types';
import type { Logger } from '../log/logger';

export interface BenchIngestOptions {
  events: number;
  actions: number;
  /** Requests per (cold) worker in the generated stream. */
  workerRequests: number;
  repeats: number;
  restarts: number;
  /** Give up waiting for a consumer after this long (ms). */
  timeoutMs: number;
  brokers?: string[];
  redisUrl?: string;
  /** Options for the sidecar child's node (e.g. --cpu-prof), after the deployed ones (SIDECAR_NODE_OPTIONS), which they may override. */
  sidecarNodeArgs?: string[];
  onProgress?: (msg: string) => void;
  /**
   * Stops the run: its child processes are killed at once, then it removes its Redis keys, stops the
   * broker it started and rejects with the signal's reason.
   */
  signal?: AbortSignal;
}

export interface BenchIngestResult {
  events: number;
  sidecarEventsPerSec: number;
  bareEventsPerSec: number;
  ratio: number;
  /**
   * Reference: a bare consumer that also parses and validates every message with the sidecar's own code
   * and stores nothing (median events/s), and its rate over the bare consumer's. The sidecar cannot
   * beat it: it is the part of the ratio that the event format costs before any state is kept.
   */
  validatingEventsPerSec: number;
  validatingRatio: number;
  peakRssMB: number;
  restarts: number;
  lost: number;
  countedTwice: number;
  runs: {
    sidecarEventsPerSec: number[];
    bareEventsPerSec: number[];
    validatingEventsPerSec: number[];
    peakRssMB: number[];
    sidecarCpuUsPerEvent: number[];
    sidecarBusyPct: number[];
    redisBusyPct: number[];
  };
  /** CPU time of the sidecar process per event (µs, median; includes its start-up), independent of how busy the machine is. */
  sidecarCpuUsPerEvent: number;
  /**
   * Share of one core that the sidecar process and the Redis server each used between the sidecar's
   * group join and its last event (medians, %). Far below 100 for both means the ingest waits on round
   * trips rather than on either one's CPU; near 100 names the bottleneck.
   */
  sidecarBusyPct: number;
  redisBusyPct: number;
  /** 1-minute load average when the runs ended (the machine is shared). */
  loadAverage: number;
  restartRun: { appliedActivations: number; curveSamples: number; seconds: number };
  /** The node options the sidecar child ran with: the deployed ones, then --sidecar-node-arg. */
  sidecarNodeOptions: string[];
  targets: { eventsPerSec: number; ratio: number; peakRssMB: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `p`'s value, or 'timeout' after `ms`. The timer is cleared as soon as `p` settles: a pending one kept
 * the finished bench's process alive until it fired (5 minutes with the default --timeout).
 */
async function withinMs<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  return Promise.race([p, timedOut]).finally(() => clearTimeout(timer));
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function actionName(i: number): string {
  return `bench/ingest/act${i}`;
}

/** The stream: per action, cold workers serving `workerRequests` requests each, round-robin over actions. */
function* generate(opts: BenchIngestOptions, t0: number): Generator<{ message: string; lineage: LineageRecord }> {
  for (let i = 0; i < opts.events; i++) {
    const a = i % opts.actions;
    const k = Math.floor(i / opts.actions); // k-th activation of this action
    const j = (k % opts.workerRequests) + 1;
    const worker = `w${a}-${Math.floor(k / opts.workerRequests)}`;
    const activationId = randomBytes(16).toString('hex');
    const initTime = j === 1 ? 40 + (k % 7) : 0;
    const run = 2 + Math.round(30 * Math.exp(-j / 20)) + (i % 3);
    const timestamp = t0 + i;
    const message = JSON.stringify({
      source: 'invoker0',
      body: { name: actionName(a), activationId, statusCode: 0, duration: initTime + run, waitTime: 3, initTime, kind: 'nodejs:20', conductor: false, memory: 256, size: 42 },
      subject: 'guest',
      namespace: 'guest',
      userId: '23bc46b1-71f6-4ed5-8c54-816aa4f8c502',
      eventType: 'Activation',
      timestamp,
    });
    yield { message, lineage: { activationId, action: actionName(a), workerId: worker, requestNumber: j, requestsSinceStart: j, origin: { kind: 'cold' }, recordedAt: timestamp } };
  }
}

async function produce(kafka: Kafka, topic: string, opts: BenchIngestOptions): Promise<LineageRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  const lineages: LineageRecord[] = [];
  let batch: { value: string }[] = [];
  for (const { message, lineage } of generate(opts, Date.now())) {
    lineages.push(lineage);
    batch.push({ value: message });
    if (batch.length === 2000) {
      await producer.send({ topic, acks: 1, messages: batch });
      batch = [];
    }
  }
  if (batch.length) await producer.send({ topic, acks: 1, messages: batch });
  await producer.disconnect();
  return lineages;
}

/**
 * A bare kafkajs consumer (eachBatch, counts only) over the same topic, with the sidecar's fetch
 * settings, in a fresh process like the sidecar: one inside this (by then warm) process ran faster with
 * each repeat (145k, 260k, 233k events/s in one run), while every sidecar starts cold. With `work`
 * 'validate' it is the reference consumer: it also parses and validates every message (bare-consumer.ts).
 */
async function bareRate(brokers: string[], topic: string, n: number, timeoutMs: number, track: Track, work: 'none' | 'validate' = 'none'): Promise<number> {
  const entry = path.join(repoRoot(), 'dist', 'sidecar', 'bare-consumer.js');
  const child = track(spawn(process.execPath, [entry], {
    env: { ...process.env, PRONGHORN_BARE_BROKERS: brokers.join(','), PRONGHORN_BARE_TOPIC: topic, PRONGHORN_BARE_EVENTS: String(n), PRONGHORN_BARE_WORK: work },
    stdio: ['ignore', 'pipe', 'pipe'],
  }));
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const code = await withinMs(exited, timeoutMs);
  if (code === 'timeout') {
    await stopChild(child, 'SIGKILL');
    throw new Error(`bare consumer did not see ${n} events within ${timeoutMs} ms`);
  }
  if (code !== 0) throw new Error(`bare consumer failed (exit ${code}): ${err.trim()}`);
  const { joinedAt, lastAt, valid } = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { joinedAt: number; lastAt: number; valid?: number };
  // Every produced event is valid: fewer means the reference did not do the work it is timed for.
  if (work === 'validate' && valid !== n) throw new Error(`validating consumer accepted ${String(valid)} of ${n} events`);
  return (n / Math.max(1, lastAt - joinedAt)) * 1000;
}

interface SidecarChild {
  child: ChildProcess;
  peakRssKb(): number;
  /** User + system CPU seconds the child has used so far. */
  cpuSeconds(): number;
  /** Epoch ms of the child's latest group join (0 before it joined). */
  joinedAt(): number;
}

/** Registers a child process of the run, so that stopping the run kills it. */
type Track = (child: ChildProcess) => ChildProcess;

function startSidecarChild(env: Record<string, string>, log: Logger, track: Track, nodeArgs: string[] = []): SidecarChild {
  // The lean entry point of the sidecar container (what `pronghorn sidecar` runs, without the CLI's other commands).
  const entry = path.join(repoRoot(), 'dist', 'sidecar', 'run.js');
  const child = track(spawn(process.execPath, [...SIDECAR_NODE_OPTIONS, ...nodeArgs, entry], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] }));
  let tail = '';
  let joinedAt = 0;
  let partial = '';
  child.stderr!.on('data', (d: Buffer) => {
    tail = (tail + d.toString()).slice(-4000);
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.includes('joined consumer group')) continue;
      try {
        joinedAt = (JSON.parse(line) as { joinedAt: number }).joinedAt;
      } catch {
        // not a log line of ours
      }
    }
  });
  child.once('exit', (code, signal) => {
    if (code && code !== 0) log.warn({ code, signal, stderr: tail }, 'sidecar child exited');
  });
  // Warnings and errors of the child are passed through, so a stalled run explains itself.
  child.stderr!.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n')) if (/"level":(40|50|60)/.test(line)) process.stderr.write(`sidecar child: ${line.slice(0, 400)}\n`);
  });
  let peak = 0;
  const read = () => {
    try {
      const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const hwm = /VmHWM:\s+(\d+)/.exec(status);
      if (hwm) peak = Math.max(peak, Number(hwm[1]));
    } catch {
      // exited
    }
  };
  const timer = setInterval(read, 100);
  child.once('exit', () => clearInterval(timer));
  return {
    child,
    peakRssKb: () => {
      read();
      return peak;
    },
    joinedAt: () => joinedAt,
    cpuSeconds: () => {
      try {
        // Fields 14 and 15 of /proc/PID/stat (after the parenthesised name): utime and stime in clock ticks.
        const stat = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return (Number(fields[11]) + Number(fields[12])) / 100;
      } catch {
        return NaN;
      }
    },
  };
}

async function stopChild(c: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise<void>((r) => c.once('exit', () => r()));
  c.kill(signal);
  if ((await withinMs(exited, 10_000)) === 'timeout') c.kill('SIGKILL');
  await exited;
}

async function totalActivations(store: RedisStateStore, actions: number): Promise<number> {
  const p = store.redis.pipeline();
  for (let a = 0; a < actions; a++) p.hget(store.keys.stats(actionName(a)), 'activations');
  const res = (await p.exec()) ?? [];
  return res.reduce((sum, [, v]) => sum + Number(v ?? 0), 0);
}

/** CPU seconds the Redis server's main thread has used (INFO cpu; all threads where Redis does not say). */
async function redisCpuSeconds(redis: RedisStateStore['redis']): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
  const main = field('used_cpu_user_main_thread') + field('used_cpu_sys_main_thread');
  return Number.isFinite(main) ? main : field('used_cpu_user') + field('used_cpu_sys');
}

/** Polls Redis until the sidecar has applied n activations; returns the epoch ms it saw the last one. */
async function waitApplied(store: RedisStateStore, opts: BenchIngestOptions, onCount?: (count: number) => Promise<void>): Promise<number> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    opts.signal?.throwIfAborted();
    const count = await totalActivations(store, opts.actions);
    if (onCount) await onCount(count);
    if (count >= opts.events) return Date.now();
    if (Date.now() > deadline) throw new Error(`sidecar applied ${count}/${opts.events} events within ${opts.timeoutMs} ms`);
    await sleep(20);
  }
}

export async function runBenchIngest(opts: BenchIngestOptions, log: Logger): Promise<BenchIngestResult> {
  const progress = opts.onProgress ?? (() => undefined);
  const broker = opts.brokers ? null : await startKafkaBroker();
  const redis = opts.redisUrl ? null : await acquireRedis();
  const brokers = opts.brokers ?? broker!.brokers;
  const redisUrl = opts.redisUrl ?? redis!.url;
  const runId = `bench-ingest-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const kafka = new Kafka({ clientId: runId, brokers, logLevel: logLevel.NOTHING });
  const stores: RedisStateStore[] = [];
  const children = new Set<ChildProcess>();
  const track: Track = (child) => {
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  };
  const killChildren = () => {
    for (const c of children) c.kill('SIGKILL');
  };
  opts.signal?.addEventListener('abort', killChildren, { once: true });
  try {
    opts.signal?.throwIfAborted();
    const topic = `${runId}-events`;
    progress(`producing ${opts.events} events to ${topic}`);
    const lineages = await produce(kafka, topic, opts);

    const newStore = async (tag: string) => {
      const store = new RedisStateStore({ url: redisUrl, prefix: `${runId}-${tag}:` });
      stores.push(store);
      for (let i = 0; i < lineages.length; i += 10_000) await store.recordLineages(lineages.slice(i, i + 10_000));
      return store;
    };
    const childEnv = (store: RedisStateStore, group: string) => ({
      PRONGHORN_KAFKA_BROKERS: brokers.join(','),
      PRONGHORN_EVENTS_TOPIC: topic,
      PRONGHORN_SIDECAR_GROUP: group,
      PRONGHORN_REDIS_URL: redisUrl,
      PRONGHORN_REDIS_PREFIX: store.keys.prefix,
      PRONGHORN_SIDECAR_LISTEN: '127.0.0.1:0',
      PRONGHORN_KAFKA_SESSION_TIMEOUT_MS: '10000',
      PRONGHORN_LOG_LEVEL: 'info',
    });

    const sidecarRates: number[] = [];
    const bareRates: number[] = [];
    const validatingRates: number[] = [];
    const peaks: number[] = [];
    const cpu: number[] = [];
    const sidecarBusy: number[] = [];
    const redisBusy: number[] = [];
    // A child that a stop killed fails its step; the stop's reason is what the run rejects with.
    const step = async <T>(p: Promise<T>): Promise<T> => {
      try {
        return await p;
      } catch (err) {
        opts.signal?.throwIfAborted();
        throw err;
      }
    };
    for (let r = 1; r <= opts.repeats; r++) {
      opts.signal?.throwIfAborted();
      progress(`run ${r}/${opts.repeats}: bare kafkajs consumer`);
      bareRates.push(await step(bareRate(brokers, topic, opts.events, opts.timeoutMs, track)));
      progress(`run ${r}/${opts.repeats}: validating consumer (parse + validate, no store)`);
      validatingRates.push(await step(bareRate(brokers, topic, opts.events, opts.timeoutMs, track, 'validate')));
      const store = await newStore(`run${r}`);
      opts.signal?.throwIfAborted();
      progress(`run ${r}/${opts.repeats}: sidecar`);
      const sc = startSidecarChild(childEnv(store, `${runId}-sidecar-${r}`), log, track, opts.sidecarNodeArgs);
      try {
        // CPU of the sidecar and of Redis from the first poll after the group join (start-up excluded).
        let from: { at: number; sidecar: number; redis: number } | undefined;
        const doneAt = await waitApplied(store, opts, async () => {
          if (!from && sc.joinedAt()) from = { at: Date.now(), sidecar: sc.cpuSeconds(), redis: await redisCpuSeconds(store.redis) };
        });
        if (!sc.joinedAt()) throw new Error('the sidecar child did not log its group join');
        sidecarRates.push((opts.events / Math.max(1, doneAt - sc.joinedAt())) * 1000);
        peaks.push(sc.peakRssKb() / 1024);
        const cpuSecondsAtEnd = sc.cpuSeconds();
        cpu.push((cpuSecondsAtEnd / opts.events) * 1e6);
        if (from) {
          const seconds = Math.max(0.001, (doneAt - from.at) / 1000);
          sidecarBusy.push(((cpuSecondsAtEnd - from.sidecar) / seconds) * 100);
          redisBusy.push((((await redisCpuSeconds(store.redis)) - from.redis) / seconds) * 100);
        }
      } finally {
        await stopChild(sc.child, 'SIGTERM');
      }
    }

    progress(`restart run: SIGKILL and restart the sidecar ${opts.restarts} times mid-stream`);
    const store = await newStore('restarts');
    const env = childEnv(store, `${runId}-sidecar-restarts`);
    opts.signal?.throwIfAborted();
    let current = startSidecarChild(env, log, track, opts.sidecarNodeArgs);
    let kills = 0;
    const t0 = performance.now();
    try {
      await waitApplied(store, opts, async (count) => {
        // Kill at evenly spaced points of the stream.
        if (kills < opts.restarts && count >= ((kills + 1) * opts.events) / (opts.restarts + 1)) {
          await stopChild(current.child, 'SIGKILL');
          kills++;
          progress(`  killed the sidecar at ${count}/${opts.events} applied; restarting (${kills}/${opts.restarts})`);
          current = startSidecarChild(env, log, track, opts.sidecarNodeArgs);
        }
      });
      // Let the last child settle so that late (replayed) batches are counted too.
      await sleep(1500);
    } finally {
      await stopChild(current.child, 'SIGTERM');
    }
    const seconds = (performance.now() - t0) / 1000;
    const applied = await totalActivations(store, opts.actions);
    // Every event of the stream has lineage and succeeds, so it lands in its action's curve slot for its
    // request number: cell by cell, the samples in Redis must equal the events produced.
    const expected = new Map<string, number>();
    for (const l of lineages) {
      const key = `${l.action}\n${slotOf(l.requestNumber)}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    const found = new Map<string, number>();
    let curveSamples = 0;
    for (let a = 0; a < opts.actions; a++) {
      const s = await store.getActionStats(actionName(a));
      for (const e of s.slots) {
        found.set(`${actionName(a)}\n${e.slot}`, e.count);
        curveSamples += e.count;
      }
    }
    let lost = 0;
    let countedTwice = 0;
    for (const key of new Set([...expected.keys(), ...found.keys()])) {
      const diff = (found.get(key) ?? 0) - (expected.get(key) ?? 0);
      if (diff > 0) countedTwice += diff;
      else lost -= diff;
    }
    // The action-level counter is checked too: a redelivery counted there but not on the curve is caught.
    countedTwice = Math.max(countedTwice, applied - opts.events);
    const sidecar = median(sidecarRates);
    const bare = median(bareRates);
    const validating = median(validatingRates);
    return {
      events: opts.events,
      sidecarEventsPerSec: Math.round(sidecar),
      bareEventsPerSec: Math.round(bare),
      ratio: Number((sidecar / bare).toFixed(3)),
      validatingEventsPerSec: Math.round(validating),
      validatingRatio: Number((validating / bare).toFixed(3)),
      peakRssMB: Number(Math.max(...peaks).toFixed(1)),
      restarts: kills,
      lost,
      countedTwice,
      runs: {
        sidecarEventsPerSec: sidecarRates.map(Math.round),
        bareEventsPerSec: bareRates.map(Math.round),
        validatingEventsPerSec: validatingRates.map(Math.round),
        peakRssMB: peaks.map((p) => Number(p.toFixed(1))),
        sidecarCpuUsPerEvent: cpu.map((c) => Number(c.toFixed(1))),
        sidecarBusyPct: sidecarBusy.map(Math.round),
        redisBusyPct: redisBusy.map(Math.round),
      },
      sidecarCpuUsPerEvent: Number(median(cpu).toFixed(1)),
      sidecarBusyPct: Math.round(median(sidecarBusy)),
      redisBusyPct: Math.round(median(redisBusy)),
      loadAverage: Number(os.loadavg()[0].toFixed(1)),
      restartRun: { appliedActivations: applied, curveSamples, seconds: Number(seconds.toFixed(1)) },
      sidecarNodeOptions: [...SIDECAR_NODE_OPTIONS, ...(opts.sidecarNodeArgs ?? [])],
      targets: { eventsPerSec: 20_000, ratio: 0.5, peakRssMB: 200 },
    };
  } finally {
    opts.signal?.removeEventListener('abort', killChildren);
    killChildren();
    for (const s of stores) {
      // Remove this run's keys; the Redis may be shared.
      await deleteKeysMatching(s.redis, `${s.keys.prefix}*`, 5000);
      await s.close();
    }
    await broker?.stop();
    await redis?.stop();
  }
}
