/**
 * Thumbnail benchmark: decodes a picture and makes `size` thumbnails of it (decode, resize, encode)
 * with jimp, as the paper's Thumbnailer did with PIL. The picture is `image` (base64 JPEG or PNG) when
 * given, else a seeded PNG built per request (the stand-in for downloading it). Thumbnails are PNG:
 * jimp's JPEG encoder took 100-350 ms for one 128x96 thumbnail here, which would drown the resize.
 */
const crypto = require('crypto');
const { Jimp, JimpMime } = require('jimp');
const prand = require('pure-rand');
const { z } = require('zod');

const Params = z.object({
  seed: z.coerce.number().int().default(42),
  size: z.coerce.number().int().min(1).max(100).default(5),
  width: z.coerce.number().int().min(16).max(4096).default(320),
  height: z.coerce.number().int().min(16).max(4096).default(240),
  image: z.string().min(1).optional(),
});

// Thumbnail widths cycle through these, so the n resizes are not all the same work.
const THUMBNAIL_WIDTHS = [128, 96, 64, 48, 32];

/** Uniform [0, 1) from a 32-bit seed (xoroshiro128+), so that the same params build the same data. */
function seededRandom(seed) {
  const generator = prand.xoroshiro128plus(seed >>> 0);
  // Nearby seeds start from nearly equal states; a jump (2^64 steps) decorrelates them.
  generator.unsafeJump();
  return () => (generator.unsafeNext() >>> 0) / 4294967296;
}

/** A seeded RGB picture (gradient plus noise) as a PNG buffer. */
async function buildPicture(seed, width, height) {
  const random = seededRandom(seed);
  const image = new Jimp({ width, height, color: 0xffffffff });
  const data = image.bitmap.data;
  const [r0, g0, b0] = [random() * 255, random() * 255, random() * 255];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      data[p] = (r0 + (x * 255) / width + random() * 24) & 255;
      data[p + 1] = (g0 + (y * 255) / height + random() * 24) & 255;
      data[p + 2] = (b0 + ((x + y) * 128) / (width + height) + random() * 24) & 255;
      data[p + 3] = 255;
    }
  }
  return image.getBuffer(JimpMime.png);
}

async function main(params) {
  const parsed = Params.safeParse(params ?? {});
  if (!parsed.success) return { error: 'invalid params: ' + parsed.error.issues.map((i) => i.path.join('.') + ' ' + i.message).join('; ') };
  const { seed, size, width, height, image: given } = parsed.data;
  const source = given ? Buffer.from(given, 'base64') : await buildPicture(seed, width, height);
  const thumbnails = [];
  for (let i = 0; i < size; i++) {
    let image;
    try {
      image = await Jimp.read(source);
    } catch (err) {
      return { error: 'cannot decode the picture: ' + err.message };
    }
    const thumbWidth = Math.min(THUMBNAIL_WIDTHS[i % THUMBNAIL_WIDTHS.length], image.bitmap.width);
    image.resize({ w: thumbWidth });
    const out = await image.getBuffer(JimpMime.png);
    thumbnails.push({
      width: image.bitmap.width,
      height: image.bitmap.height,
      bytes: out.byteLength,
      sha256: crypto.createHash('sha256').update(out).digest('hex'),
    });
  }
  return { resizes: size, sourceBytes: source.byteLength, thumbnails };
}

module.exports = { main, buildPicture };
