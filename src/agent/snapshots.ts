/**
 * Snapshot images on local disk: `<dir>/<snapshotId>/{img/, meta.json}`, directories 0700 and files 0600
 * (an image holds all of the process's memory, secrets included). A snapshot is written under a
 * temporary name and renamed into place only once its image and metadata are complete, so a failed
 * dump never leaves a half-registered snapshot.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../log/logger';
import { newSnapshotId, SnapshotId } from './ids';
import { CHAIN_FIRST_REQUESTS } from '../store/types';

export const SnapshotMeta = z.object({
  snapshotId: SnapshotId,
  action: z.string(),
  node: z.string(),
  backend: z.string(),
  /** Request number of the captured runtime state (a restored worker's first request is this + 1). */
  requestNumber: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  dumpMs: z.number().nonnegative(),
  /** Last measured restore time in ms (0 until the first restore). */
  restoreMs: z.number().nonnegative(),
  restores: z.number().int().nonnegative(),
  createdAt: z.number().int(),
  parentSnapshotId: z.string().nullable(),
  /** sha256 of the action code given to /init (null: taken before /init). */
  codeDigest: z.string().nullable(),
  workerId: z.string(),
  /** The line of workers the image descends from (store/types.ts LineageChain); absent in older images. */
  chain: z
    .object({ rootId: z.string(), firstMs: z.array(z.number().nonnegative().nullable()).max(CHAIN_FIRST_REQUESTS) })
    .optional(),
  /** Size of every image file, checked before a restore (a damaged image can make CRIU spin instead of failing). */
  files: z.record(z.string(), z.number().int().nonnegative()).default({}),
});
export type SnapshotMeta = z.infer<typeof SnapshotMeta>;

function fileSizes(dir: string, prefix = ''): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) Object.assign(out, fileSizes(p, `${prefix}${e.name}/`));
    else if (e.isFile()) out[`${prefix}${e.name}`] = fs.statSync(p).size;
  }
  return out;
}

function lockDown(dir: string): void {
  fs.chmodSync(dir, 0o700);
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) lockDown(p);
    else fs.chmodSync(p, 0o600);
  }
}

export class SnapshotRepository {
  private readonly metas = new Map<string, SnapshotMeta>();

  constructor(readonly dir: string, private readonly log: Logger) {}

  /** Creates the directory and loads the snapshots a previous run left (dropping incomplete ones). */
  open(): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(this.dir, 0o700);
    for (const name of fs.readdirSync(this.dir)) {
      const full = path.join(this.dir, name);
      if (name.startsWith('.tmp-')) {
        fs.rmSync(full, { recursive: true, force: true });
        continue;
      }
      try {
        const meta = SnapshotMeta.parse(JSON.parse(fs.readFileSync(path.join(full, 'meta.json'), 'utf8')));
        if (meta.snapshotId !== name) throw new Error('snapshotId does not match its directory');
        this.metas.set(meta.snapshotId, meta);
      } catch (err) {
        this.log.warn({ snapshot: name, err: (err as Error).message }, 'ignoring unreadable snapshot directory');
      }
    }
  }

  imageDir(id: string): string {
    return path.join(this.dir, SnapshotId.parse(id), 'img');
  }

  get(id: string): SnapshotMeta | undefined {
    return SnapshotId.safeParse(id).success ? this.metas.get(id) : undefined;
  }

  list(filter: { action?: string } = {}): SnapshotMeta[] {
    return [...this.metas.values()].filter((m) => !filter.action || m.action === filter.action).sort((a, b) => a.createdAt - b.createdAt);
  }

  /**
   * Runs `write(imageDir)` into a temporary directory and registers the result; on any failure the
   * temporary directory is removed and nothing is registered.
   */
  async create(
    write: (imageDir: string) => Promise<void>,
    describe: (snapshotId: string, bytes: number, dumpMs: number) => Omit<SnapshotMeta, 'bytes' | 'dumpMs' | 'snapshotId' | 'files'>,
  ): Promise<SnapshotMeta> {
    const id = newSnapshotId();
    const tmp = path.join(this.dir, `.tmp-${id}`);
    fs.mkdirSync(tmp, { mode: 0o700 });
    try {
      const t0 = process.hrtime.bigint();
      await write(path.join(tmp, 'img'));
      const dumpMs = Number(process.hrtime.bigint() - t0) / 1e6;
      const files = fileSizes(path.join(tmp, 'img'));
      const bytes = Object.values(files).reduce((a, b) => a + b, 0);
      const meta = SnapshotMeta.parse({ ...describe(id, bytes, dumpMs), snapshotId: id, bytes, dumpMs, files });
      fs.writeFileSync(path.join(tmp, 'meta.json'), JSON.stringify(meta, null, 2), { mode: 0o600 });
      lockDown(tmp);
      fs.renameSync(tmp, path.join(this.dir, id));
      this.metas.set(id, meta);
      return meta;
    } catch (err) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
  }

  /** Why the image on disk no longer matches what was dumped (missing or resized files), or null if it does. */
  damage(id: string): string | null {
    const meta = this.get(id);
    if (!meta) return 'no such snapshot';
    const img = this.imageDir(id);
    for (const [file, size] of Object.entries(meta.files)) {
      let actual: number;
      try {
        actual = fs.statSync(path.join(img, file)).size;
      } catch {
        return `image file ${file} is missing`;
      }
      if (actual !== size) return `image file ${file} has ${actual} bytes, ${size} were dumped`;
    }
    return null;
  }

  update(id: string, patch: Partial<Pick<SnapshotMeta, 'restoreMs' | 'restores'>>): void {
    const meta = this.metas.get(id);
    if (!meta) return;
    Object.assign(meta, patch);
    const file = path.join(this.dir, id, 'meta.json');
    fs.writeFileSync(`${file}.new`, JSON.stringify(meta, null, 2), { mode: 0o600 });
    fs.renameSync(`${file}.new`, file);
  }

  /** Deletes the image and its metadata; returns the bytes freed, or null if there was no such snapshot. */
  delete(id: string): number | null {
    const meta = this.get(id);
    if (!meta) return null;
    this.metas.delete(id);
    fs.rmSync(path.join(this.dir, id), { recursive: true, force: true });
    return meta.bytes;
  }
}
