/**
 * Starts a real Apache Kafka 3.9 broker for tests and benchmarks: KRaft mode (broker and controller in one
 * JVM, no ZooKeeper), 127.0.0.1 only, free ports, data and logs in a temporary directory. Every way it can
 * fail to start is reported at once with an InfraError naming the cause (and the broker log's tail),
 * instead of as a timeout in whichever test first touches Kafka.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { InfraError } from './errors';
import { assertPortFree, freePort } from './ports';
import { removePidfile, runCommand, stopChild, tailOf, writePidfile } from './processes';
import { repoRoot } from './paths';
import { fromRepo, infraSettings } from './settings';

export interface KafkaBrokerOptions {
  /** Client port; default: a free one. */
  port?: number;
  /** Controller (KRaft quorum) port; default: a free one. */
  controllerPort?: number;
  /** Directory for data and logs; default: a new temporary directory, removed by stop(). */
  logDir?: string;
  /** Java executable; default: PRONGHORN_JAVA, else $JAVA_HOME/bin/java, else java on PATH. */
  javaBin?: string;
  /** Directory of the broker jars; default: PRONGHORN_KAFKA_LIBS (.cache/kafka/libs). */
  libsDir?: string;
  /** Fetch the jars with Maven when they are missing (default true). */
  fetchJars?: boolean;
  /** Max heap, e.g. '512m'; default PRONGHORN_KAFKA_HEAP. */
  heap?: string;
  /** How long to wait for the broker to answer a metadata request (default 90 s). */
  readyTimeoutMs?: number;
  /** Directory for a pidfile, so an interrupted run's broker can be reaped later (see processes.ts). */
  pidDir?: string;
}

export interface KafkaBroker {
  brokers: string[];
  pid: number;
  logDir: string;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function resolveJava(explicit?: string): string {
  const configured = explicit ?? infraSettings.load().java;
  if (configured) return configured;
  return process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

async function assertJava(java: string): Promise<void> {
  const probe = await runCommand(java, ['-version'], 30_000);
  if (probe.error || probe.status !== 0) {
    const why = probe.error ? probe.error.code ?? probe.error.message : `exit ${probe.status}`;
    throw new InfraError(
      'java-missing',
      `Kafka needs Java 11+, but '${java}' cannot run (${why}); install a JDK (apt-get install openjdk-17-jre-headless) or set PRONGHORN_JAVA / JAVA_HOME`,
    );
  }
}

function hasJars(libsDir: string): boolean {
  return fs.existsSync(libsDir) && fs.readdirSync(libsDir).some((f) => /^kafka_2\.13-.*\.jar$/.test(f));
}

/** Makes sure the broker jars are in libsDir, fetching them with Maven (scripts/fetch-kafka.sh) if allowed. */
export async function ensureKafkaJars(libsDir: string, fetch: boolean): Promise<void> {
  if (hasJars(libsDir)) return;
  const fetchCmd = 'bash scripts/fetch-kafka.sh';
  if (!fetch) throw new InfraError('jars-missing', `Kafka jars not fetched: no kafka_2.13-*.jar in ${libsDir}; run \`${fetchCmd}\` (needs Maven)`);
  if ((await runCommand('mvn', ['-v'], 30_000)).error) {
    throw new InfraError('maven-missing', `Kafka jars not fetched into ${libsDir}, and Maven (mvn) is not installed to fetch them: apt-get install maven, then \`${fetchCmd}\``);
  }
  const run = await runCommand('bash', [path.join(repoRoot(), 'scripts', 'fetch-kafka.sh'), libsDir], 15 * 60_000);
  if (run.status !== 0 || !hasJars(libsDir)) {
    const out = run.output.trim().split('\n').slice(-15).join('\n');
    throw new InfraError('jars-fetch-failed', `fetching the Kafka jars with Maven failed (exit ${run.status}):\n${out}`);
  }
}

/**
 * A KRaft cluster id: 16 random bytes, base64url. Kafka's own generator skips ids that start with
 * '-', since `format -t -xyz…` parses the id as an option and fails; one start in 64 would.
 */
export function clusterId(): string {
  for (;;) {
    const id = crypto.randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function serverProperties(dir: string, port: number, controllerPort: number): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${path.join(dir, 'data')}`,
    'num.partitions=1',
    'auto.create.topics.enable=true',
    'offsets.topic.replication.factor=1',
    // One offsets partition instead of 50: the first consumer group is ready in well under a second.
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=1',
    'group.initial.rebalance.delay.ms=0',
    'log.flush.interval.messages=9223372036854775807',
    '',
  ].join('\n');
}

function log4jProperties(dir: string): string {
  return [
    'log4j.rootLogger=INFO, file',
    'log4j.appender.file=org.apache.log4j.FileAppender',
    `log4j.appender.file.File=${path.join(dir, 'server.log')}`,
    'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
    'log4j.logger.org.apache.kafka.clients=WARN',
    '',
  ].join('\n');
}

function logTail(dir: string): string {
  const tail = [tailOf(path.join(dir, 'stdout.log'), 15), tailOf(path.join(dir, 'server.log'), 25)].filter(Boolean).join('\n');
  return tail ? `\n--- broker log (${dir}) ---\n${tail}` : ` (no log output in ${dir})`;
}

async function answersMetadata(brokers: string[]): Promise<boolean> {
  const admin = new Kafka({ clientId: 'pronghorn-infra-probe', brokers, logLevel: logLevel.NOTHING, connectionTimeout: 1000, retry: { retries: 0 } }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function startKafkaBroker(opts: KafkaBrokerOptions = {}): Promise<KafkaBroker> {
  const settings = infraSettings.load();
  const java = resolveJava(opts.javaBin);
  await assertJava(java);
  const libsDir = opts.libsDir ?? fromRepo(settings.kafkaLibs);
  await ensureKafkaJars(libsDir, opts.fetchJars ?? true);

  if (opts.port !== undefined) await assertPortFree(opts.port, 'Kafka broker');
  if (opts.controllerPort !== undefined) await assertPortFree(opts.controllerPort, 'Kafka controller');
  const port = opts.port ?? (await freePort());
  let controllerPort = opts.controllerPort ?? (await freePort());
  while (controllerPort === port) controllerPort = await freePort();

  const ownDir = opts.logDir === undefined;
  const dir = opts.logDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pronghorn-kafka-'));
  fs.mkdirSync(dir, { recursive: true });
  const props = path.join(dir, 'server.properties');
  fs.writeFileSync(props, serverProperties(dir, port, controllerPort));
  fs.writeFileSync(path.join(dir, 'log4j.properties'), log4jProperties(dir));
  // The format tool logs warnings only, to its stderr: its config dump would bury the broker's own log.
  fs.writeFileSync(path.join(dir, 'log4j-tools.properties'), 'log4j.rootLogger=WARN, stderr\nlog4j.appender.stderr=org.apache.log4j.ConsoleAppender\nlog4j.appender.stderr.Target=System.err\nlog4j.appender.stderr.layout=org.apache.log4j.PatternLayout\nlog4j.appender.stderr.layout.ConversionPattern=%p %m (%c)%n\n');
  const classpath = path.join(libsDir, '*');
  const cleanup = () => {
    if (ownDir) fs.rmSync(dir, { recursive: true, force: true });
  };

  // Format the KRaft metadata log (a short-lived JVM: client compiler only, small heap).
  const format = await runCommand(
    java,
    ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', `-Dlog4j.configuration=file:${path.join(dir, 'log4j-tools.properties')}`, '-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', props],
    60_000,
  );
  if (format.status !== 0) {
    const out = format.output.trim().split('\n').slice(-15).join('\n');
    cleanup();
    throw new InfraError('format-failed', `formatting Kafka's KRaft storage failed (exit ${format.status ?? format.signal}):\n${out}`);
  }

  const heap = opts.heap ?? settings.kafkaHeap;
  const stdout = fs.openSync(path.join(dir, 'stdout.log'), 'a');
  const child = spawn(
    java,
    [`-Xmx${heap}`, '-Xms64m', '-XX:+UseSerialGC', '-Djava.awt.headless=true', `-Dkafka.logs.dir=${dir}`, `-Dlog4j.configuration=file:${path.join(dir, 'log4j.properties')}`, '-cp', classpath, 'kafka.Kafka', props],
    { stdio: ['ignore', stdout, stdout] },
  );
  fs.closeSync(stdout);
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = signal ? `signal ${signal}` : `code ${code}`));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const pidfile = opts.pidDir && child.pid ? writePidfile(opts.pidDir, { pid: child.pid, owner: process.pid, marker: dir, what: 'kafka' }) : undefined;

  const brokers = [`127.0.0.1:${port}`];
  const stop = async () => {
    await stopChild(child, 15_000);
    removePidfile(pidfile);
    cleanup();
  };

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 90_000);
  for (;;) {
    const failed = await Promise.race([spawnError, sleep(0).then(() => undefined)]);
    if (failed) {
      await stop();
      throw new InfraError('java-missing', `cannot start Java '${java}': ${failed.message}`);
    }
    if (exited !== undefined) {
      const tail = logTail(dir);
      const portTaken = /Address already in use/i.test(tail);
      removePidfile(pidfile);
      cleanup();
      throw new InfraError(portTaken ? 'port-taken' : 'exited-early', `Kafka broker exited early (${exited})${portTaken ? ': a port it needs is already in use' : ''}${tail}`);
    }
    if (await answersMetadata(brokers)) break;
    if (Date.now() > deadline) {
      const tail = logTail(dir);
      await stop();
      throw new InfraError('not-ready', `Kafka broker did not answer on ${brokers[0]} within ${opts.readyTimeoutMs ?? 90_000} ms${tail}`);
    }
    await sleep(250);
  }
  await warmGroupCoordinator(brokers);
  return { brokers, pid: child.pid as number, logDir: dir, stop };
}

/**
 * Asks for a group coordinator once, which makes the broker create its offsets topic now: otherwise the
 * first consumer of every test run waits for it and kafkajs logs "group coordinator is not available".
 */
async function warmGroupCoordinator(brokers: string[]): Promise<void> {
  const admin = new Kafka({ clientId: 'pronghorn-infra-probe', brokers, logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } }).admin();
  try {
    await admin.connect();
    await admin.describeGroups(['pronghorn-infra-warmup']);
  } catch {
    /* only an optimisation: consumers wait for the coordinator themselves */
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
