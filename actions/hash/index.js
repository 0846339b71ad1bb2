/**
 * Hash benchmark: the paper's "simple hash" (start 7, multiply by 31 and add each byte, four times per
 * byte, 32-bit signed overflow as in Java) over `size` seeded random bytes.
 */
const prand = require('pure-rand');
const { z } = require('zod');

const Params = z.object({
  seed: z.coerce.number().int().default(42),
  size: z.coerce.number().int().min(1).max(100000000).default(525000),
});

/** Uniform [0, 1) from a 32-bit seed (xoroshiro128+), so that the same params build the same data. */
function seededRandom(seed) {
  const generator = prand.xoroshiro128plus(seed >>> 0);
  // Nearby seeds start from nearly equal states; a jump (2^64 steps) decorrelates them.
  generator.unsafeJump();
  return () => (generator.unsafeNext() >>> 0) / 4294967296;
}

/** `size` signed bytes (Java's byte), seeded. */
function buildBytes(seed, size) {
  const random = seededRandom(seed);
  const bytes = new Int8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = Math.floor(random() * 256) - 128;
  return bytes;
}

function simpleHash(bytes) {
  let hash = 7;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    hash = (Math.imul(hash, 31) + b) | 0;
    hash = (Math.imul(hash, 31) + b) | 0;
    hash = (Math.imul(hash, 31) + b) | 0;
    hash = (Math.imul(hash, 31) + b) | 0;
  }
  return hash;
}

function main(params) {
  const parsed = Params.safeParse(params ?? {});
  if (!parsed.success) return { error: 'invalid params: ' + parsed.error.issues.map((i) => i.path.join('.') + ' ' + i.message).join('; ') };
  const { seed, size } = parsed.data;
  return { bytes: size, hash: simpleHash(buildBytes(seed, size)) };
}

module.exports = { main, buildBytes };
