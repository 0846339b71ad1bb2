/**
 * Dynamic HTML benchmark: renders a jinja2-style template (nunjucks) over `size` seeded random numbers,
 * as the paper's DynamicHTML benchmark did with jinja2.
 */
const crypto = require('crypto');
const nunjucks = require('nunjucks');
const prand = require('pure-rand');
const { z } = require('zod');

const Params = z.object({
  seed: z.coerce.number().int().default(42),
  returnHtml: z.coerce.boolean().default(false),
  size: z.coerce.number().int().min(1).max(10000000).default(30000),
  username: z.string().max(200).default('testuser'),
});

const TEMPLATE = `<!DOCTYPE html>
<html>
  <head><title>Randomly generated data.</title></head>
  <body>
    <p>Welcome {{ username }}!</p>
    <p>Data generated at: {{ generatedAt }}!</p>
    <p>Requested random numbers:</p>
    <ul>
      {% for number in numbers %}<li>{{ number }}</li>
      {% endfor %}
    </ul>
  </body>
</html>
`;

// Compiled once per worker, like jinja2's template cache; rendering is the measured work.
const template = nunjucks.compile(TEMPLATE, new nunjucks.Environment(null, { autoescape: true }));

/** Uniform [0, 1) from a 32-bit seed (xoroshiro128+), so that the same params build the same data. */
function seededRandom(seed) {
  const generator = prand.xoroshiro128plus(seed >>> 0);
  // Nearby seeds start from nearly equal states; a jump (2^64 steps) decorrelates them.
  generator.unsafeJump();
  return () => (generator.unsafeNext() >>> 0) / 4294967296;
}

/** The template's input: `size` integers in [0, 1000000) and a timestamp derived from the seed. */
function buildContext(seed, size, username) {
  const random = seededRandom(seed);
  const numbers = new Array(size);
  for (let i = 0; i < size; i++) numbers[i] = Math.floor(random() * 1000000);
  // A fixed instant derived from the seed keeps the page reproducible (no wall clock in the result).
  const generatedAt = new Date(Date.UTC(2024, 0, 1) + (seed >>> 0) * 1000).toISOString();
  return { username, generatedAt, numbers };
}

function main(params) {
  const parsed = Params.safeParse(params ?? {});
  if (!parsed.success) return { error: 'invalid params: ' + parsed.error.issues.map((i) => i.path.join('.') + ' ' + i.message).join('; ') };
  const { seed, size, username, returnHtml } = parsed.data;
  const html = template.render(buildContext(seed, size, username));
  const result = { numbers: size, bytes: Buffer.byteLength(html), sha256: crypto.createHash('sha256').update(html).digest('hex') };
  if (returnHtml) result.html = html;
  return result;
}

module.exports = { main, buildContext };
