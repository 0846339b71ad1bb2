/**
 * Matrix multiplication benchmark: multiplies two seeded `size` x `size` integer matrices (entries
 * 0-99), as the paper's MatrixMult benchmark did on the JVM.
 */
const prand = require('pure-rand');
const { z } = require('zod');

const Params = z.object({
  seed: z.coerce.number().int().default(42),
  size: z.coerce.number().int().min(1).max(2000).default(250),
});

/** Uniform [0, 1) from a 32-bit seed (xoroshiro128+), so that the same params build the same data. */
function seededRandom(seed) {
  const generator = prand.xoroshiro128plus(seed >>> 0);
  // Nearby seeds start from nearly equal states; a jump (2^64 steps) decorrelates them.
  generator.unsafeJump();
  return () => (generator.unsafeNext() >>> 0) / 4294967296;
}

/** Two row-major dimension x dimension matrices of integers in [0, 100). */
function buildMatrices(seed, dimension) {
  const random = seededRandom(seed);
  const a = new Int32Array(dimension * dimension);
  const b = new Int32Array(dimension * dimension);
  for (let i = 0; i < a.length; i++) a[i] = Math.floor(random() * 100);
  for (let i = 0; i < b.length; i++) b[i] = Math.floor(random() * 100);
  return { a, b };
}

/** C = A x B, row by row (i-k-j order, so the inner loop walks memory in order). */
function multiply(a, b, dimension) {
  const c = new Float64Array(dimension * dimension);
  for (let i = 0; i < dimension; i++) {
    const row = i * dimension;
    for (let k = 0; k < dimension; k++) {
      const aik = a[row + k];
      const bRow = k * dimension;
      for (let j = 0; j < dimension; j++) c[row + j] += aik * b[bRow + j];
    }
  }
  return c;
}

function main(params) {
  const parsed = Params.safeParse(params ?? {});
  if (!parsed.success) return { error: 'invalid params: ' + parsed.error.issues.map((i) => i.path.join('.') + ' ' + i.message).join('; ') };
  const { seed, size } = parsed.data;
  const { a, b } = buildMatrices(seed, size);
  const c = multiply(a, b, size);
  let checksum = 0;
  let trace = 0;
  for (let i = 0; i < c.length; i++) checksum += c[i];
  for (let i = 0; i < size; i++) trace += c[i * size + i];
  return { dimension: size, checksum, trace };
}

module.exports = { main, buildMatrices };
