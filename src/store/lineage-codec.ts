/**
 * How a lineage record is stored in Redis. One record is written per activation and read back by the
 * sidecar for every event, so its size and parse cost are paid per event (memory for the TTL, bytes on
 * the socket both ways, parsing in the sidecar). The compact form leaves out what the key already says
 * (action and activation id) and needs no JSON:
 *
 *   L1|workerId|requestNumber|requestsSinceStart|recordedAt|c                         (cold worker)
 *   L1|workerId|requestNumber|requestsSinceStart|recordedAt|s|snapshotId|snapshotN    (restored worker)
 *
 * 43-68 bytes instead of 204-264 as JSON (cold and restored worker). Ids containing '|' are written as
 * JSON instead, and JSON records (older versions wrote only those) are read as before.
 */
import type { LineageRecord } from './types';

const TAG = 'L1';
const SEP = '|';

export function encodeLineage(rec: LineageRecord): string {
  const o = rec.origin;
  if (rec.workerId.includes(SEP) || (o.kind === 'snapshot' && o.snapshotId.includes(SEP))) return JSON.stringify(rec);
  const head = `${TAG}|${rec.workerId}|${rec.requestNumber}|${rec.requestsSinceStart}|${rec.recordedAt}`;
  return o.kind === 'snapshot' ? `${head}|s|${o.snapshotId}|${o.requestNumber}` : `${head}|c`;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
// A snapshot taken right after /init (policy `init`) holds request number 0.
const isSnapshotN = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/**
 * The stored record, or null when the value is not one (garbage under a lineage key must not stop
 * ingest: the caller applies the activation as if it had no lineage, and counts it).
 */
export function decodeLineage(raw: string, action: string, activationId: string): LineageRecord | null {
  if (raw.startsWith('{')) return fromJson(raw);
  const f = raw.split(SEP);
  if (f[0] !== TAG || f.length < 6 || f[1] === '') return null;
  const requestNumber = Number(f[2]);
  const requestsSinceStart = Number(f[3]);
  const recordedAt = Number(f[4]);
  if (!isCount(requestNumber) || !isCount(requestsSinceStart) || !isTime(recordedAt)) return null;
  let origin: LineageRecord['origin'];
  if (f[5] === 'c' && f.length === 6) {
    origin = { kind: 'cold' };
  } else if (f[5] === 's' && f.length === 8 && f[6] !== '') {
    const snapshotN = Number(f[7]);
    if (!isSnapshotN(snapshotN)) return null;
    origin = { kind: 'snapshot', snapshotId: f[6], requestNumber: snapshotN };
  } else {
    return null;
  }
  // One object literal, not a spread of a shared base: this runs once per event, and the spread was
  // measured at about 2 µs against 0.4 µs for the whole decode without it.
  return { activationId, action, workerId: f[1], requestNumber, requestsSinceStart, recordedAt, origin };
}

function fromJson(raw: string): LineageRecord | null {
  let rec: unknown;
  try {
    rec = JSON.parse(raw);
  } catch {
    return null;
  }
  const r = rec as Partial<LineageRecord> | null;
  if (r === null || typeof r !== 'object' || !isCount(r.requestNumber) || !isCount(r.requestsSinceStart)) return null;
  if (typeof r.origin !== 'object' || r.origin === null || typeof r.origin.kind !== 'string') return null;
  return r as LineageRecord;
}
