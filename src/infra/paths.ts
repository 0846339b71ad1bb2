/** Where the project's caches live, found from this file so it works from src/ (tsx) and dist/ alike. */
import fs from 'node:fs';
import path from 'node:path';

let cachedRoot: string | undefined;

/** The repository root: the nearest directory above this module holding the project's package.json. */
export function repoRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      const name = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name;
      if (name === 'pronghorn-openwhisk') return (cachedRoot = dir);
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the project root above ${__dirname}`);
    dir = parent;
  }
}

/** The git-ignored cache directory (.cache/<parts>). */
export function cachePath(...parts: string[]): string {
  return path.join(repoRoot(), '.cache', ...parts);
}

/** Pidfiles of services started by test runs and benchmarks, reaped after an interrupted run. */
export function runDir(): string {
  return cachePath('run');
}
