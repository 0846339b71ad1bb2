/**
 * Compression benchmark: zips a directory of files `size` times (fflate, deflate level 6), as the
 * paper's Compression benchmark zipped a directory fetched from an object store. The directory is
 * read from `directory` when given, else built from the seed (text, JSON and binary-ish files).
 */
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { zipSync } = require('fflate');
const prand = require('pure-rand');
const { z } = require('zod');

const Params = z.object({
  seed: z.coerce.number().int().default(42),
  size: z.coerce.number().int().min(1).max(1000).default(5),
  directory: z.string().min(1).optional(),
  returnArchive: z.coerce.boolean().default(false),
});

const WORDS = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua'.split(' ');

/** Uniform [0, 1) from a 32-bit seed (xoroshiro128+), so that the same params build the same data. */
function seededRandom(seed) {
  const generator = prand.xoroshiro128plus(seed >>> 0);
  // Nearby seeds start from nearly equal states; a jump (2^64 steps) decorrelates them.
  generator.unsafeJump();
  return () => (generator.unsafeNext() >>> 0) / 4294967296;
}

/** A small project-like directory: 4 text files, 2 JSON files and 2 files of random bytes, ~190 kB. */
function buildDirectory(seed) {
  const random = seededRandom(seed);
  const files = {};
  for (let f = 0; f < 4; f++) {
    const lines = [];
    for (let l = 0; l < 400; l++) {
      const words = [];
      for (let w = 0; w < 8; w++) words.push(WORDS[Math.floor(random() * WORDS.length)]);
      lines.push(words.join(' '));
    }
    files['docs/chapter-' + f + '.txt'] = Buffer.from(lines.join('\n'));
  }
  for (let f = 0; f < 2; f++) {
    const records = [];
    for (let r = 0; r < 300; r++) records.push({ id: r, value: Math.floor(random() * 1e6), tag: WORDS[r % WORDS.length] });
    files['data/records-' + f + '.json'] = Buffer.from(JSON.stringify(records, null, 1));
  }
  for (let f = 0; f < 2; f++) {
    const bytes = Buffer.alloc(16384);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
    files['bin/blob-' + f + '.bin'] = bytes;
  }
  return files;
}

function readDirectory(root) {
  const files = {};
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) files[path.relative(root, full).split(path.sep).join('/')] = fs.readFileSync(full);
    }
  };
  walk(root);
  return files;
}

function main(params) {
  const parsed = Params.safeParse(params ?? {});
  if (!parsed.success) return { error: 'invalid params: ' + parsed.error.issues.map((i) => i.path.join('.') + ' ' + i.message).join('; ') };
  const { seed, size, directory, returnArchive } = parsed.data;
  let files;
  try {
    files = directory ? readDirectory(directory) : buildDirectory(seed);
  } catch (err) {
    return { error: 'cannot read directory: ' + err.message };
  }
  const input = {};
  let inputBytes = 0;
  for (const [name, data] of Object.entries(files)) {
    // Fixed timestamps keep the archive byte-for-byte reproducible.
    input[name] = [new Uint8Array(data.buffer, data.byteOffset, data.byteLength), { level: 6, mtime: new Date(Date.UTC(2024, 0, 1)) }];
    inputBytes += data.byteLength;
  }
  let archive;
  for (let i = 0; i < size; i++) archive = zipSync(input);
  const result = {
    times: size,
    files: Object.keys(files).length,
    inputBytes,
    archiveBytes: archive.byteLength,
    sha256: crypto.createHash('sha256').update(archive).digest('hex'),
  };
  if (returnArchive) result.archive = Buffer.from(archive).toString('base64');
  return result;
}

module.exports = { main, buildDirectory };
