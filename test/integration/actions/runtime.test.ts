/**
 * Every action runs unchanged in the project's runtime (dist/runtime/server.js, /init then /run) and
 * gives the same result there as through a plain require.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ACTION_NAMES } from '../../../src/bench/inputs';
import { recordCurves } from '../../../src/bench/curves/run';
import { documentedRestore } from '../../../src/bench/curves/restore';
import { startLocalObjectStore, LocalObjectStore } from '../../../src/bench/curves/objectStore';
import { actionSource } from '../../../src/bench/curves/record';
import { RuntimeWorker } from '../../../src/bench/curves/worker';
import { parseCurve } from '../../../src/sim/curve';
import { REPO_ROOT, requireAction } from '../../unit/actions/helpers';

const SERVER_JS = path.join(REPO_ROOT, 'dist', 'runtime', 'server.js');
const FFMPEG = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;

/** Small but real inputs, so the whole suite stays quick. */
const PARAMS: Record<string, Record<string, unknown>> = {
  bfs: { size: 300 },
  dfs: { size: 300 },
  mst: { size: 300 },
  pagerank: { size: 100 },
  'dynamic-html': { size: 2000 },
  'html-rendering': { size: 2000 },
  compression: { size: 2 },
  hash: { size: 100000 },
  'word-count': { size: 1000 },
  'matrix-multiplication': { size: 60 },
  thumbnail: { size: 2, width: 160, height: 120 },
  video: { size: 3, seconds: 0.3, ffmpeg: FFMPEG },
  upload: { size: 300000 },
};

describe('actions in the project runtime', function () {
  this.timeout(180000);
  let store: LocalObjectStore;

  before(async function () {
    if (!fs.existsSync(SERVER_JS)) throw new Error(`${SERVER_JS} is missing: run npm run build first`);
    store = await startLocalObjectStore();
  });
  after(async () => store?.close());

  for (const name of ACTION_NAMES) {
    it(`${name}: /init + /run in one worker give what a plain require gives`, async () => {
      const worker = new RuntimeWorker({ serverJs: SERVER_JS, nodeModules: path.join(REPO_ROOT, 'node_modules') });
      try {
        const start = await worker.start(name, actionSource(REPO_ROOT, name));
        expect(start.listenMs).to.be.greaterThan(0);
        for (const seed of [1, 2]) {
          const params = { ...PARAMS[name], seed, ...(name === 'upload' ? { endpoint: store.endpoint } : {}) };
          const reply = await worker.run(params, `${name}-${seed}`);
          expect(reply.status, JSON.stringify(reply.body)).to.equal(200);
          expect(reply.body).to.not.have.property('error');
          expect(reply.execMs).to.be.greaterThan(0);
          expect(reply.body).to.deep.equal(await requireAction(name).main(params));
        }
      } finally {
        await worker.stop();
      }
    });
  }

  it('bench-curves writes curve files the simulator reads, raw files and SVG plots', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'curves-test-'));
    try {
      const outcomes = await recordCurves({
        repoRoot: REPO_ROOT,
        actions: ['hash', 'upload'],
        requests: 12,
        seed: 42,
        outDir: out,
        ranges: 'bench',
        restore: documentedRestore('test'),
      });
      expect(outcomes.map((o) => o.summary.action)).to.deep.equal(['hash', 'upload']);
      for (const action of ['hash', 'upload']) {
        const curve = parseCurve(JSON.parse(fs.readFileSync(path.join(out, `${action}.json`), 'utf8')));
        expect(curve.name).to.equal(`guest/pronghorn-bench/${action}`);
        expect(curve.latencyMs).to.have.length(12);
        expect(curve.coldStartMs).to.be.greaterThan(curve.latencyMs[11]);
        const raw = JSON.parse(fs.readFileSync(path.join(out, 'raw', `${action}.json`), 'utf8'));
        expect(raw.execMs).to.have.length(12);
        expect(raw.restore.source).to.equal('documented');
        expect(fs.readFileSync(path.join(out, 'svg', `${action}.svg`), 'utf8')).to.match(/^<svg[^>]*>[\s\S]*<\/svg>$/);
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
