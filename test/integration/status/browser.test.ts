/**
 * The status page in a real headless Chromium (Debian's `chromium`, driven by playwright-core): on the
 * HTTP port of a real sidecar (real Kafka broker, real Redis) as in production, and mounted under a
 * prefix on an in-memory store as in the embedded mode. The page must load, list the action, and draw its charts.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { Kafka, logLevel } from 'kafkajs';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startSidecar } from '../../../src/sidecar/main';
import { sidecarSettings } from '../../../src/sidecar/settings';
import { MemoryStateStore } from '../../../src/store/memory';
import { RedisStateStore } from '../../../src/store/redis';
import type { StateStore } from '../../../src/store/types';
import { statusPlugin } from '../../../src/status/plugin';
import { storeStatusSource, type StatusSource } from '../../../src/status/source';
import { kafkaBrokers, redisUrl, testPrefix } from '../../support/env';
import { populateWarmingAction } from './populate';

const CHROMIUM = process.env.PRONGHORN_CHROMIUM ?? '/usr/bin/chromium';
const ACTION = 'guest/demo/warming';

async function serve(store: StateStore, prefix?: string): Promise<{ app: FastifyInstance; url: string }> {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  await app.register(statusPlugin, { source: storeStatusSource(store), prefix, redirectRoot: true });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url: `${address}${prefix ?? ''}/status` };
}

/** Loads the page and checks what a person would look at; returns the errors the page logged. */
async function checkPage(page: Page, url: string): Promise<string[]> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  const res = await page.goto(url);
  expect(res?.status()).to.equal(200);
  const row = page.locator(`#actions tbody tr[data-action="${ACTION}"]`);
  await row.waitFor({ timeout: 20_000 });
  expect(await row.locator('td').nth(1).textContent()).to.equal('210');
  await page.locator('svg.curve path.curve-line').waitFor({ timeout: 20_000 });
  expect(await page.locator('#detail-title').textContent()).to.equal(ACTION);
  // The curve: one point per observed request number, a line through them, one marker per snapshot.
  expect(await page.locator('svg.curve circle.curve-point').count()).to.equal(120);
  const d = (await page.locator('svg.curve path.curve-line').getAttribute('d')) ?? '';
  expect(d.split('L').length).to.equal(120);
  expect(await page.locator('svg.curve .snapshot-marker').count()).to.equal(2);
  // Latency next to the baselines: three bars with a drawn width.
  const widths = await page.locator('svg.baselines rect.baseline-bar').evaluateAll((els) => els.map((e) => Number(e.getAttribute('width'))));
  expect(widths).to.have.length(3);
  for (const w of widths) expect(w).to.be.greaterThan(0);
  const box = await page.locator('svg.curve').boundingBox();
  expect(box?.width).to.be.greaterThan(300);
  expect(box?.height).to.be.greaterThan(100);
  expect(await page.locator('#pool tbody tr').count()).to.equal(2);
  expect(await page.locator('#decisions tbody tr').count()).to.equal(3);
  expect(await page.locator('#error').isVisible()).to.equal(false);
  return errors;
}

describe('status page in headless Chromium', function () {
  this.timeout(120_000);
  let context: BrowserContext;
  let userDataDir: string;
  const cleanups: (() => Promise<unknown>)[] = [];

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) or set PRONGHORN_CHROMIUM`);
    }
    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pronghorn-chromium-'));
    // A fresh profile per run; playwright passes --headless itself and wants the profile as an argument.
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 1000 },
    });
  });

  after(async () => {
    await context?.close();
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
  });

  it('shows an action, its curve, pool, decisions and baselines on a production sidecar (Kafka, Redis)', async () => {
    const prefix = testPrefix('status-page');
    const store = new RedisStateStore({ url: redisUrl(), prefix });
    cleanups.push(async () => {
      const keys = await store.redis.keys(`${prefix}*`);
      if (keys.length) await store.redis.del(...keys);
      await store.close();
    });
    await populateWarmingAction(store, ACTION);
    // The real sidecar, consuming a topic of this run and serving its HTTP port; the page is mounted there.
    const admin = new Kafka({ clientId: 'status-page-test', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: `${prefix}events`, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const settings = sidecarSettings.load({
      redisUrl: redisUrl(),
      redisPrefix: prefix,
      kafkaBrokers: kafkaBrokers().join(','),
      eventsTopic: `${prefix}events`,
      dlqTopic: `${prefix}dlq`,
      groupId: `${prefix}sidecar`,
      listen: '127.0.0.1:0',
    });
    const sidecar = await startSidecar({ settings });
    cleanups.push(() => sidecar.stop());
    expect(sidecar.url).to.be.a('string');
    const page = await context.newPage();
    const errors = await checkPage(page, `${sidecar.url}/status`);
    expect(errors).to.deep.equal([]);
    const metrics = await page.request.get(`${sidecar.url}/metrics`);
    expect(await metrics.text()).to.contain('pronghorn_events_total');
    const shot = process.env.PRONGHORN_STATUS_SCREENSHOT ?? path.join(os.tmpdir(), 'pronghorn-status-page.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(fs.statSync(shot).size).to.be.greaterThan(10_000);
    await page.close();
  });

  it('works mounted under a prefix on an in-memory store (embedded mode), following the root redirect', async () => {
    const store = new MemoryStateStore();
    await populateWarmingAction(store, ACTION);
    const { app, url } = await serve(store, '/pronghorn');
    cleanups.push(() => app.close());
    const page = await context.newPage();
    const errors = await checkPage(page, url.replace(/status$/, ''));
    expect(page.url()).to.match(/\/pronghorn\/status$/);
    expect(errors).to.deep.equal([]);
    await page.close();
  });

  it('says how to opt in while there are no actions, and shows store failures with their cause', async () => {
    let failing = false;
    const source: StatusSource = {
      listActions: async () => {
        if (failing) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
        return [];
      },
      load: async () => null,
      decisions: async () => [],
    };
    const app = Fastify({ logger: false, forceCloseConnections: true });
    await app.register(statusPlugin, { source });
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => app.close());
    const page = await context.newPage();
    await page.goto(`${address}/status`);
    await page.locator('#actions td.empty', { hasText: 'wsk action update NAME -a pronghorn true' }).waitFor({ timeout: 20_000 });
    expect(await page.locator('#detail').isVisible()).to.equal(false);
    failing = true;
    // The page refreshes every 5 s; the next refresh must show the cause.
    await page.locator('#error', { hasText: 'ECONNREFUSED' }).waitFor({ state: 'visible', timeout: 20_000 });
    await page.close();
  });
});
