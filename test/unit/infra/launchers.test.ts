/**
 * The launchers fail fast, and their errors name the cause: Java missing, Maven missing, jars not fetched,
 * port taken, no Redis to be had. Real processes and ports throughout; nothing here needs a running broker.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { InfraError } from '../../../src/infra/errors';
import { clusterId, startKafkaBroker } from '../../../src/infra/kafka';
import { acquireRedis } from '../../../src/infra/redis';

async function failureOf(promise: Promise<unknown>): Promise<InfraError> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(InfraError);
    return err as InfraError;
  }
  throw new Error('expected the launcher to fail');
}

function onPath(command: string): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = path.join(dir, command);
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`${command} not on PATH`);
}

describe('infra launchers: fail-fast paths', function () {
  this.timeout(30_000);
  let tmp: string;
  let fakeLibs: string;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pronghorn-launchers-'));
    fakeLibs = path.join(tmp, 'libs');
    fs.mkdirSync(fakeLibs);
    fs.writeFileSync(path.join(fakeLibs, 'kafka_2.13-3.9.1.jar'), ''); // enough to pass the jars check
  });

  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('names a missing Java and the path it tried', async () => {
    const err = await failureOf(startKafkaBroker({ javaBin: '/nonexistent/jdk/bin/java', libsDir: fakeLibs }));
    expect(err.failure).to.equal('java-missing');
    expect(err.message).to.contain('/nonexistent/jdk/bin/java').and.to.contain('PRONGHORN_JAVA');
  });

  it('says the jars were not fetched, and how to fetch them', async () => {
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty);
    const err = await failureOf(startKafkaBroker({ libsDir: empty, fetchJars: false }));
    expect(err.failure).to.equal('jars-missing');
    expect(err.message).to.contain('not fetched').and.to.contain(empty).and.to.contain('scripts/fetch-kafka.sh');
  });

  it('names Maven when the jars are missing and mvn is not installed', async () => {
    const java = onPath('java');
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(empty);
    const savedPath = process.env.PATH;
    process.env.PATH = tmp; // nothing runnable here, so `mvn` is not found
    try {
      const err = await failureOf(startKafkaBroker({ javaBin: java, libsDir: empty }));
      expect(err.failure).to.equal('maven-missing');
      expect(err.message).to.contain('Maven (mvn) is not installed');
    } finally {
      process.env.PATH = savedPath;
    }
  });

  it('names the port when the requested broker port is taken', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const err = await failureOf(startKafkaBroker({ port, libsDir: fakeLibs }));
      expect(err.failure).to.equal('port-taken');
      expect(err.message).to.contain(`127.0.0.1:${port}`).and.to.contain('already in use');
    } finally {
      holder.close();
    }
  });

  it('says redis-server is missing when no Redis is reachable', async () => {
    const err = await failureOf(acquireRedis({ url: 'redis://127.0.0.1:1', fallbackUrl: null, serverBin: path.join(tmp, 'redis-server') }));
    expect(err.failure).to.equal('redis-missing');
    expect(err.message).to.contain('redis-server').and.to.contain('REDIS_URL');
  });
});

describe('Kafka cluster ids', () => {
  it('never start with "-", which the storage format tool would read as an option', () => {
    // One random id in 64 starts with '-'; 5,000 draws miss that with probability ~1e-34.
    for (let i = 0; i < 5000; i++) {
      const id = clusterId();
      expect(id).to.match(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    }
  });
});
