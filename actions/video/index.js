/**
 * Video benchmark: `size` media operations with ffmpeg, cycling through the paper's three (animated
 * GIF, watermark, MP3 extraction). The ffmpeg binary is a parameter (`ffmpeg`: its path); the source
 * clip is a seeded synthetic one (ffmpeg's test pattern, a seeded tone and a seeded watermark box).
 */
const { execFile } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { promisify } = require('util');
const { z } = require('zod');

const run = promisify(execFile);

const Params = z.object({
  seed: z.coerce.number().int().default(42),
  size: z.coerce.number().int().min(1).max(50).default(3),
  ffmpeg: z.string().min(1),
  seconds: z.coerce.number().min(0.1).max(60).default(1),
});

const OPERATIONS = ['gif', 'watermark', 'mp3'];

/** ffmpeg arguments for one operation; everything seed-dependent is derived here, not at random. */
function operationArgs(op, seed, seconds, output) {
  const s = seed >>> 0;
  const video = ['-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10:duration=' + seconds];
  if (op === 'gif') return [...video, '-vf', 'hue=h=' + (s % 360) + ',fps=5', '-loop', '0', '-f', 'gif', output];
  if (op === 'watermark') {
    const box = 'drawbox=x=' + (s % 100) + ':y=' + (s % 80) + ':w=40:h=24:color=white@0.5:t=fill';
    return [...video, '-vf', box, '-c:v', 'mpeg4', '-q:v', '5', '-f', 'mp4', output];
  }
  const tone = 'sine=frequency=' + (220 + (s % 660)) + ':sample_rate=22050:duration=' + seconds;
  return ['-f', 'lavfi', '-i', tone, '-c:a', 'libmp3lame', '-b:a', '64k', '-f', 'mp3', output];
}

async function main(params) {
  const parsed = Params.safeParse(params ?? {});
  if (!parsed.success) return { error: 'invalid params: ' + parsed.error.issues.map((i) => i.path.join('.') + ' ' + i.message).join('; ') };
  const { seed, size, ffmpeg, seconds } = parsed.data;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'video-action-'));
  try {
    const operations = [];
    for (let i = 0; i < size; i++) {
      const op = OPERATIONS[i % OPERATIONS.length];
      const output = path.join(dir, i + '.' + (op === 'gif' ? 'gif' : op === 'mp3' ? 'mp3' : 'mp4'));
      const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...operationArgs(op, seed, seconds, output)];
      try {
        await run(ffmpeg, args, { timeout: 60000 });
      } catch (err) {
        return { error: 'ffmpeg ' + op + ' failed: ' + (err.stderr || err.message) };
      }
      const head = Buffer.alloc(12);
      const fd = fs.openSync(output, 'r');
      fs.readSync(fd, head, 0, 12, 0);
      fs.closeSync(fd);
      operations.push({ op, bytes: fs.statSync(output).size, head: head.toString('hex') });
    }
    return { operations };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { main };
