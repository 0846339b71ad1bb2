/**
 * Paths of the compiled scripts that run in worker processes (the action runtime, the criu supervisor).
 * They always come from dist/: a worker must not load a TypeScript loader into the process CRIU dumps.
 */
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../infra/paths';

export function distEntry(relative: string): string {
  const compiledHere = __filename.endsWith('.js');
  const root = compiledHere ? path.resolve(__dirname, '..') : path.join(repoRoot(), 'dist');
  const file = path.join(root, `${relative}.js`);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  return file;
}
