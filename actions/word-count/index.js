/**
 * Word count benchmark: counts the words of `size` seeded lines of text (a Zipf-like draw from a fixed
 * vocabulary, 4-16 words a line), as the paper's WordCount benchmark counted a text file's lines.
 */
const prand = require('pure-rand');
const { z } = require('zod');

const Params = z.object({
  seed: z.coerce.number().int().default(42),
  size: z.coerce.number().int().min(1).max(10000000).default(26250),
  top: z.coerce.number().int().min(0).max(1000).default(10),
});

const VOCABULARY = (
  'the of and to in a is that for it as was with be by on not he i this are or his from at which but ' +
  'have an they you were her she there been one all we their has would when if so no what up out will ' +
  'serverless function snapshot restore checkpoint worker runtime request latency warm cold hot memory ' +
  'heap compiler optimise profile invoke action container process image kernel socket thread queue'
).split(' ');

/** Uniform [0, 1) from a 32-bit seed (xoroshiro128+), so that the same params build the same data. */
function seededRandom(seed) {
  const generator = prand.xoroshiro128plus(seed >>> 0);
  // Nearby seeds start from nearly equal states; a jump (2^64 steps) decorrelates them.
  generator.unsafeJump();
  return () => (generator.unsafeNext() >>> 0) / 4294967296;
}

/** `size` lines; word ranks follow 1/(rank+1) roughly, so counts are skewed like real text. */
function buildLines(seed, size) {
  const random = seededRandom(seed);
  const lines = new Array(size);
  for (let i = 0; i < size; i++) {
    const words = 4 + Math.floor(random() * 13);
    const line = new Array(words);
    for (let w = 0; w < words; w++) {
      const rank = Math.floor(Math.pow(VOCABULARY.length + 1, random())) - 1;
      line[w] = VOCABULARY[rank];
    }
    lines[i] = line.join(' ');
  }
  return lines;
}

function countWords(lines) {
  const counts = new Map();
  let words = 0;
  for (const line of lines) {
    let start = -1;
    for (let i = 0; i <= line.length; i++) {
      const letter = i < line.length && line.charCodeAt(i) !== 32;
      if (letter && start < 0) start = i;
      else if (!letter && start >= 0) {
        const word = line.slice(start, i);
        counts.set(word, (counts.get(word) ?? 0) + 1);
        words++;
        start = -1;
      }
    }
  }
  return { counts, words };
}

function main(params) {
  const parsed = Params.safeParse(params ?? {});
  if (!parsed.success) return { error: 'invalid params: ' + parsed.error.issues.map((i) => i.path.join('.') + ' ' + i.message).join('; ') };
  const { seed, size, top } = parsed.data;
  const { counts, words } = countWords(buildLines(seed, size));
  const frequent = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, top)
    .map(([word, count]) => ({ word, count }));
  return { lines: size, words, distinct: counts.size, top: frequent };
}

module.exports = { main, buildLines };
