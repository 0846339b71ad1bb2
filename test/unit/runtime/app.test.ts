/** The action runtime's protocol behaviour, through fastify's inject (no sockets, no processes). */
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import AdmZip from 'adm-zip';
import { expect } from 'chai';
import type { FastifyInstance } from 'fastify';
import { buildRuntimeApp, EXEC_MS_HEADER } from '../../../src/runtime/app';
import { LOG_SENTINEL } from '../../../src/runtime/protocol';

const quiet = (): void => undefined;
const codeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pronghorn-runtime-test-'));

async function initWith(app: FastifyInstance, value: Record<string, unknown>) {
  return app.inject({ method: 'POST', url: '/init', payload: { value } });
}

async function run(app: FastifyInstance, body: Record<string, unknown>) {
  return app.inject({ method: 'POST', url: '/run', payload: body });
}

describe('runtime: OpenWhisk action protocol', () => {
  let app: FastifyInstance;
  beforeEach(() => {
    app = buildRuntimeApp({ codeDir, writeLog: quiet });
  });
  afterEach(() => app.close());
  after(() => fs.rmSync(codeDir, { recursive: true, force: true }));

  it('runs a plain `function main(params)`', async () => {
    expect((await initWith(app, { code: 'function main(p) { return { hello: p.name }; }' })).statusCode).to.equal(200);
    const r = await run(app, { value: { name: 'world' } });
    expect(r.statusCode).to.equal(200);
    expect(r.json()).to.deep.equal({ hello: 'world' });
    expect(Number(r.headers[EXEC_MS_HEADER])).to.be.at.least(0);
  });

  it('runs an async main, exports.main and a custom main name', async () => {
    expect((await initWith(app, { code: 'async function main(p) { await new Promise(r => setTimeout(r, 5)); return { n: p.n * 2 }; }' })).statusCode).to.equal(200);
    expect((await run(app, { value: { n: 21 } })).json()).to.deep.equal({ n: 42 });

    const b = buildRuntimeApp({ codeDir, writeLog: quiet });
    await initWith(b, { code: 'exports.main = (p) => ({ via: "exports", x: p.x });' });
    expect((await run(b, { value: { x: 1 } })).json()).to.deep.equal({ via: 'exports', x: 1 });
    await b.close();

    const c = buildRuntimeApp({ codeDir, writeLog: quiet });
    await initWith(c, { code: 'function entry(p) { return { via: "custom" }; }\nfunction main() { return { via: "main" }; }', main: 'entry' });
    expect((await run(c, { value: {} })).json()).to.deep.equal({ via: 'custom' });
    await c.close();
  });

  it('lets a plain-source action require the packages installed with the runtime', async () => {
    const code = 'const YAML = require("yaml"); function main(p) { return { parsed: YAML.parse(p.doc) }; }';
    expect((await initWith(app, { code })).statusCode).to.equal(200);
    const r = await run(app, { value: { doc: 'a: 1\nb: [x, y]' } });
    expect(r.statusCode).to.equal(200);
    expect(r.json()).to.deep.equal({ parsed: { a: 1, b: ['x', 'y'] } });
  });

  it('runs a zipped action with its own package.json and node_modules', async () => {
    const zip = new AdmZip();
    zip.addFile('package.json', Buffer.from(JSON.stringify({ name: 'zipped', main: 'lib/entry.js' })));
    zip.addFile('lib/entry.js', Buffer.from('const dep = require("leftpad-ish"); exports.handler = (p) => ({ padded: dep(p.s, 5) });'));
    zip.addFile('node_modules/leftpad-ish/package.json', Buffer.from(JSON.stringify({ name: 'leftpad-ish', main: 'index.js' })));
    zip.addFile('node_modules/leftpad-ish/index.js', Buffer.from('module.exports = (s, n) => s.padStart(n, "*");'));
    const code = zip.toBuffer().toString('base64');
    expect((await initWith(app, { code, binary: true, main: 'handler' })).statusCode).to.equal(200);
    expect((await run(app, { value: { s: 'ab' } })).json()).to.deep.equal({ padded: '***ab' });
  });

  it('exports the non-value keys of /run as __OW_ variables and prints the log sentinel on stdout and stderr', async () => {
    const logs: string[] = [];
    const logged = buildRuntimeApp({ codeDir, writeLog: (stream, text) => logs.push(`${stream}:${text}`) });
    await initWith(logged, { code: 'function main() { return { id: process.env.__OW_ACTIVATION_ID, ns: process.env.__OW_NAMESPACE, dl: process.env.__OW_DEADLINE }; }' });
    const r = await run(logged, { value: {}, activation_id: 'abc123', namespace: 'guest', deadline: '1764320000000' });
    await logged.close();
    expect(r.json()).to.deep.equal({ id: 'abc123', ns: 'guest', dl: '1764320000000' });
    expect(logs).to.deep.equal([`stdout:${LOG_SENTINEL}\n`, `stderr:${LOG_SENTINEL}\n`]);
  });

  it('answers errors as OpenWhisk does', async () => {
    expect((await run(app, { value: {} })).statusCode).to.equal(403); // before /init
    expect((await initWith(app, { code: '' })).statusCode).to.equal(403);
    const broken = await initWith(app, { code: 'function main( {' });
    expect(broken.statusCode).to.equal(502);
    expect(broken.json().error).to.match(/Initialization has failed/);
    expect((await initWith(app, { code: 'const x = 1;' })).statusCode).to.equal(502); // no main

    const b = buildRuntimeApp({ codeDir, writeLog: quiet });
    await initWith(b, { code: 'function main(p) { if (p.mode === "throw") throw new Error("boom"); if (p.mode === "reject") return Promise.reject(new Error("nope")); if (p.mode === "string") return "x"; }' });
    const thrown = await run(b, { value: { mode: 'throw' } });
    expect(thrown.statusCode).to.equal(502);
    expect(thrown.json().error).to.match(/An error has occurred: Error: boom/);
    const rejected = await run(b, { value: { mode: 'reject' } });
    expect(rejected.statusCode).to.equal(200);
    expect(rejected.json().error.message).to.equal('nope');
    const str = await run(b, { value: { mode: 'string' } });
    expect(str.statusCode).to.equal(502);
    expect(str.json().error).to.equal('The action did not return a dictionary.');
    expect((await run(b, { value: {} })).json()).to.deep.equal({}); // undefined → {}
    expect((await initWith(b, { code: 'function main() { return {}; }' })).statusCode).to.equal(403); // second /init
    await b.close();
  });

  it('before a dump: collects garbage (an unreachable object is gone) and refuses while busy', async () => {
    let target: object | undefined = { big: new Array(10_000).fill('garbage') };
    const weak = new WeakRef(target);
    target = undefined;
    await new Promise((r) => setImmediate(r)); // WeakRef targets live until the end of the current job
    const res = await app.inject({ method: 'POST', url: '/pronghorn/before-dump' });
    expect(res.statusCode).to.equal(200);
    expect(res.json().ok).to.equal(true);
    expect(res.json().gcMs).to.be.a('number');
    expect(weak.deref()).to.equal(undefined);
    await initWith(app, { code: 'function main() { return new Promise((r) => { globalThis.__release = () => r({}); }); }' });
    const pending = run(app, { value: {} });
    await new Promise((r) => setTimeout(r, 20));
    expect((await app.inject({ method: 'POST', url: '/pronghorn/before-dump' })).statusCode).to.equal(409);
    (globalThis as unknown as { __release: () => void }).__release();
    expect((await pending).statusCode).to.equal(200);
  });

  it('after a restore: same code re-init is OK, different code is refused, afterRestore runs', async () => {
    const code = 'let seeds = 0; exports.afterRestore = (info) => { seeds++; }; function main() { return { seeds }; }';
    await initWith(app, { code });
    const hook = await app.inject({ method: 'POST', url: '/pronghorn/restored', payload: { workerId: 'wk-1', snapshotId: 'snap-1', requestNumber: 3 } });
    expect(hook.json()).to.deep.equal({ ok: true, hook: true });
    expect((await run(app, { value: {} })).json()).to.deep.equal({ seeds: 1 });
    expect((await initWith(app, { code })).statusCode).to.equal(200);
    const other = await initWith(app, { code: code + '\n// v2' });
    expect(other.statusCode).to.equal(403);
    expect(other.json().error).to.match(/different code/);
    const status = await app.inject({ method: 'GET', url: '/pronghorn/status' });
    expect(status.json()).to.include({ initialized: true, restored: true, activations: 1 });
  });

  it('after a restore with prefault: walks the heap after the hook and says how long it took', async () => {
    const code = 'let seeds = 0; exports.afterRestore = () => { seeds++; }; function main() { return { seeds }; }';
    await initWith(app, { code });
    const hook = await app.inject({ method: 'POST', url: '/pronghorn/restored', payload: { workerId: 'wk-1', requestNumber: 3, prefault: true } });
    expect(hook.statusCode).to.equal(200);
    expect(hook.json()).to.include({ ok: true, hook: true });
    expect(hook.json().prefaultMs).to.be.a('number').and.at.least(0);
    expect((await run(app, { value: {} })).json()).to.deep.equal({ seeds: 1 });
    const bad = await app.inject({ method: 'POST', url: '/pronghorn/restored', payload: { prefault: 'yes' } });
    expect(bad.statusCode).to.equal(400);
    expect(bad.json().error).to.match(/prefault/);
  });
});
