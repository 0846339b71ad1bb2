/**
 * The Redis side of ingest alone: the cost per activation of the ingest script (src/store/lua/ingest.lua),
 * without Kafka or the sidecar. Calls the script with chunks like the sidecar's (one action, every
 * activation in its own curve slot of 50, as in bench-ingest's stream) and prints the median time per
 * activation. Other .lua files given as arguments (variants of the script with the same arguments) run
 * interleaved with it, so a busy machine slows all of them alike.
 *
 *   npx tsx scripts/bench-ingest-script.ts [--redis URL] [--per-call 165] [--rounds 40] [variant.lua ...]
 *
 * Uses database 14 of that Redis and empties it afterwards.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import Redis from 'ioredis';
import { scriptEntry } from '../src/store/redis';
import { planActivation } from '../src/store/plan';
import { storeOptions } from '../src/store/options';
import type { ActivationFact, LineageRecord } from '../src/store/types';

const { values, positionals } = parseArgs({
  options: {
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    'per-call': { type: 'string', default: '165' },
    rounds: { type: 'string', default: '40' },
  },
  allowPositionals: true,
});
const perCall = Number(values['per-call']);
const rounds = Number(values.rounds);
const action = 'bench/script';
const config = storeOptions();
const scripts = [path.join(__dirname, '..', 'src', 'store', 'lua', 'ingest.lua'), ...positionals];

/** One chunk in the script's argument format, encoded by the store's own code from cold workers' activations. */
function chunk(round: number): string {
  let s = '';
  for (let i = 0; i < perCall; i++) {
    const n = ((round * perCall + i) % 50) + 1;
    const initTimeMs = n === 1 ? 41 : 0;
    const fact: ActivationFact = {
      action, activationId: randomBytes(16).toString('hex'), statusCode: 0,
      durationMs: initTimeMs + 2 + Math.round(30 * Math.exp(-n / 20)), initTimeMs, waitTimeMs: 3, timestamp: Date.now(),
    };
    const lineage: LineageRecord = {
      activationId: fact.activationId, action, workerId: 'w', requestNumber: n, requestsSinceStart: n, origin: { kind: 'cold' }, recordedAt: fact.timestamp,
    };
    s += scriptEntry(fact.activationId, 1, planActivation(fact, lineage, config));
  }
  return s;
}

async function main(): Promise<void> {
  const redis = new Redis(values.redis!, { db: 14 });
  if ((await redis.dbsize()) > 0) {
    redis.disconnect();
    throw new Error('database 14 of that Redis is not empty; refusing to use it');
  }
  try {
    const shas = await Promise.all(scripts.map((f) => redis.script('LOAD', fs.readFileSync(f, 'utf8')) as Promise<string>));
    const perEventUs = scripts.map(() => [] as number[]);
    for (let r = 0; r < rounds; r++) {
      for (let v = 0; v < scripts.length; v++) {
        const payload = chunk(r);
        const keys = [`v${v}:stats`, `v${v}:slots`, `v${v}:transient`, `v${v}:seen`];
        const t0 = process.hrtime.bigint();
        await redis.evalsha(shas[v], keys.length, ...keys, config.dedupTtlSec, config.ewmaAlpha, Date.now(), 1, Math.floor(Date.now() / 1000) + config.dedupTtlSec, payload);
        perEventUs[v].push(Number(process.hrtime.bigint() - t0) / 1000 / perCall);
      }
    }
    for (let v = 0; v < scripts.length; v++) {
      const s = perEventUs[v].slice(Math.min(5, rounds - 1)).sort((a, b) => a - b); // the first calls warm up
      console.log(`${path.relative(process.cwd(), scripts[v])}: ${s[s.length >> 1].toFixed(2)} µs per activation (median of ${s.length} calls of ${perCall})`);
    }
  } finally {
    await redis.flushdb();
    redis.disconnect();
  }
}

main().catch((err: unknown) => {
  console.error(`bench-ingest-script: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
