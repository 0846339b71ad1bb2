/** upload against a real local HTTP object store; video with the real ffmpeg binary from npm. */
import crypto from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { startLocalObjectStore, LocalObjectStore } from '../../../src/bench/curves/objectStore';
import { requireAction, run } from '../../unit/actions/helpers';

const FFMPEG = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
const sha256 = (b: Buffer): string => crypto.createHash('sha256').update(b).digest('hex');

describe('actions with services', function () {
  this.timeout(120000);

  describe('upload', () => {
    let store: LocalObjectStore;
    before(async () => (store = await startLocalObjectStore('bucket')));
    after(async () => store.close());

    it('PUTs the seeded 2.4 MB file; the store received exactly those bytes', async () => {
      const file = (requireAction('upload').buildFile as (seed: number, size: number) => Buffer)(8, 2400000);
      const result = await run('upload', { seed: 8, endpoint: store.endpoint });
      expect(result).to.deep.equal({ key: 'upload-8-2400000', bytes: 2400000, sha256: sha256(file), status: 200 });
      expect(store.objects.get('bucket/upload-8-2400000')).to.deep.equal({ bytes: 2400000, sha256: sha256(file) });
    });

    it('downloads from `source` first when given, under the given key', async () => {
      const body = crypto.randomBytes(50000);
      const server = http.createServer((_req, res) => res.end(body));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const source = `http://127.0.0.1:${(server.address() as AddressInfo).port}/file.bin`;
        const result = await run('upload', { endpoint: store.endpoint, source, key: 'copy.bin' });
        expect(result).to.include({ key: 'copy.bin', bytes: 50000, sha256: sha256(body) });
        expect(store.objects.get('bucket/copy.bin')?.sha256).to.equal(sha256(body));
      } finally {
        server.close();
      }
    });
  });

  describe('video', () => {
    it('runs gif, watermark and mp3 in turn with the given ffmpeg, producing those formats', async () => {
      const result = await run('video', { seed: 5, size: 4, seconds: 0.3, ffmpeg: FFMPEG });
      const ops = result.operations as { op: string; bytes: number; head: string }[];
      expect(ops.map((o) => o.op)).to.deep.equal(['gif', 'watermark', 'mp3', 'gif']);
      const head = (i: number): Buffer => Buffer.from(ops[i].head, 'hex');
      expect(head(0).subarray(0, 6).toString('latin1')).to.equal('GIF89a');
      expect(head(1).subarray(4, 8).toString('latin1')).to.equal('ftyp');
      const mp3 = head(2);
      expect(mp3.subarray(0, 3).toString('latin1') === 'ID3' || (mp3[0] === 0xff && (mp3[1] & 0xe0) === 0xe0)).to.equal(true);
      for (const o of ops) expect(o.bytes).to.be.greaterThan(100);
    });

    it('gives the same outputs for the same seed and a different GIF for another seed', async () => {
      const a = await run('video', { seed: 5, size: 1, seconds: 0.3, ffmpeg: FFMPEG });
      const b = await run('video', { seed: 5, size: 1, seconds: 0.3, ffmpeg: FFMPEG });
      const c = await run('video', { seed: 6, size: 1, seconds: 0.3, ffmpeg: FFMPEG });
      expect(b).to.deep.equal(a);
      expect((c.operations as { bytes: number }[])[0].bytes).to.not.equal((a.operations as { bytes: number }[])[0].bytes);
    });
  });
});
