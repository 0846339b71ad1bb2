/**
 * Upload benchmark: transfers a file of `size` bytes (the paper's inputs were mostly 2.4 MB) to an
 * object store with an HTTP PUT to `endpoint`/<key>, as the paper's Uploader did to MinIO. The file
 * is downloaded from `source` when given, else built from the seed.
 */
const crypto = require('crypto');
const http = require('http');
const https = require('https');
const axios = require('axios');
const prand = require('pure-rand');
const { z } = require('zod');

const Params = z.object({
  seed: z.coerce.number().int().default(42),
  size: z.coerce.number().int().min(1).max(200000000).default(2400000),
  endpoint: z.string().url(),
  source: z.string().url().optional(),
  key: z.string().min(1).max(512).optional(),
});

/** Uniform [0, 1) from a 32-bit seed (xoroshiro128+), so that the same params build the same data. */
function seededRandom(seed) {
  const generator = prand.xoroshiro128plus(seed >>> 0);
  // Nearby seeds start from nearly equal states; a jump (2^64 steps) decorrelates them.
  generator.unsafeJump();
  return () => (generator.unsafeNext() >>> 0) / 4294967296;
}

// No keep-alive: an idle connection held open would be captured in a worker's snapshot, and every
// copy restored from it would share one TCP connection.
const client = axios.create({
  httpAgent: new http.Agent({ keepAlive: false }),
  httpsAgent: new https.Agent({ keepAlive: false }),
  maxBodyLength: Infinity,
  maxContentLength: Infinity,
  timeout: 60000,
});

/** `size` seeded bytes. */
function buildFile(seed, size) {
  const random = seededRandom(seed);
  const bytes = Buffer.alloc(size);
  // Four bytes per draw: generating the file should not dominate the transfer.
  let i = 0;
  for (; i + 4 <= size; i += 4) bytes.writeUInt32LE(Math.floor(random() * 4294967296), i);
  for (; i < size; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

async function main(params) {
  const parsed = Params.safeParse(params ?? {});
  if (!parsed.success) return { error: 'invalid params: ' + parsed.error.issues.map((i) => i.path.join('.') + ' ' + i.message).join('; ') };
  const { seed, size, endpoint, source, key } = parsed.data;
  try {
    const body = source
      ? Buffer.from((await client.get(source, { responseType: 'arraybuffer' })).data)
      : buildFile(seed, size);
    const objectKey = key ?? 'upload-' + (seed >>> 0) + '-' + body.byteLength;
    const url = endpoint.replace(/\/+$/, '') + '/' + encodeURIComponent(objectKey);
    const response = await client.put(url, body, { headers: { 'content-type': 'application/octet-stream' } });
    return {
      key: objectKey,
      bytes: body.byteLength,
      sha256: crypto.createHash('sha256').update(body).digest('hex'),
      status: response.status,
    };
  } catch (err) {
    return { error: 'upload failed: ' + err.message };
  }
}

module.exports = { main, buildFile };
