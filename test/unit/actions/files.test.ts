import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AdmZip from 'adm-zip';
import { expect } from 'chai';
import { Jimp, JimpMime } from 'jimp';
import { requireAction, run } from './helpers';

describe('file actions', () => {
  describe('compression', () => {
    const buildDirectory = requireAction('compression').buildDirectory as (seed: number) => Record<string, Buffer>;

    it('zips the seeded directory; another zip library reads back every file', async () => {
      const files = buildDirectory(4);
      const result = await run('compression', { seed: 4, size: 3, returnArchive: true });
      const zip = new AdmZip(Buffer.from(result.archive as string, 'base64'));
      const entries = zip.getEntries().filter((e) => !e.isDirectory);
      expect(entries.map((e) => e.entryName).sort()).to.deep.equal(Object.keys(files).sort());
      for (const e of entries) expect(e.getData().equals(files[e.entryName]), e.entryName).to.equal(true);
      const inputBytes = Object.values(files).reduce((s, b) => s + b.byteLength, 0);
      expect(result).to.include({ times: 3, files: 8, inputBytes });
      expect(result.archiveBytes as number).to.be.below(inputBytes);
    });

    it('gives the same archive for the same seed, whatever the number of times', async () => {
      const once = await run('compression', { seed: 4, size: 1 });
      const thrice = await run('compression', { seed: 4, size: 3 });
      const other = await run('compression', { seed: 5, size: 1 });
      expect(thrice.sha256).to.equal(once.sha256);
      expect(other.sha256).to.not.equal(once.sha256);
    });

    it('zips a given directory instead when asked', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compression-test-'));
      try {
        fs.mkdirSync(path.join(dir, 'sub'));
        fs.writeFileSync(path.join(dir, 'a.txt'), 'hello '.repeat(100));
        fs.writeFileSync(path.join(dir, 'sub', 'b.txt'), 'world');
        const result = await run('compression', { directory: dir, size: 2, returnArchive: true });
        const zip = new AdmZip(Buffer.from(result.archive as string, 'base64'));
        expect(zip.readAsText('sub/b.txt')).to.equal('world');
        expect(result).to.include({ files: 2, inputBytes: 605 });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('thumbnail', () => {
    it('makes `size` thumbnails with the widths in turn and the aspect ratio kept', async () => {
      const result = await run('thumbnail', { seed: 2, size: 6, width: 160, height: 120 });
      const thumbs = result.thumbnails as { width: number; height: number; bytes: number; sha256: string }[];
      expect(thumbs.map((t) => [t.width, t.height])).to.deep.equal([[128, 96], [96, 72], [64, 48], [48, 36], [32, 24], [128, 96]]);
      expect(thumbs[5].sha256).to.equal(thumbs[0].sha256);
      expect(await run('thumbnail', { seed: 2, size: 6, width: 160, height: 120 })).to.deep.equal(result);
      expect((await run('thumbnail', { seed: 3, size: 1, width: 160, height: 120 })).thumbnails).to.not.deep.equal(thumbs.slice(0, 1));
    });

    it('reads a given JPEG instead of building a picture, keeping its aspect ratio', async () => {
      const source = await (requireAction('thumbnail').buildPicture as (s: number, w: number, h: number) => Promise<Buffer>)(1, 200, 100);
      const jpeg = await (await Jimp.read(source)).getBuffer(JimpMime.jpeg, { quality: 90 });
      const result = await run('thumbnail', { image: jpeg.toString('base64'), size: 2 });
      expect(result.sourceBytes).to.equal(jpeg.byteLength);
      const thumbs = result.thumbnails as { width: number; height: number }[];
      expect(thumbs.map((t) => [t.width, t.height])).to.deep.equal([[128, 64], [96, 48]]);
    });

    it('reports a picture it cannot decode as an error', async () => {
      const result = await requireAction('thumbnail').main({ image: Buffer.from('not a picture').toString('base64') });
      expect(String(result.error)).to.match(/cannot decode the picture/);
    });
  });
});
