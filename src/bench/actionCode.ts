/**
 * The `/init` value of a benchmark action: actions/<name>/index.js bundled with its npm dependencies
 * into one CommonJS source (esbuild), the way Node.js actions with dependencies are deployed to
 * OpenWhisk, so that the runtime needs no node_modules of its own.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { InitValue } from '../runtime/protocol';
import { repoRoot } from '../infra/paths';

const cache = new Map<string, InitValue>();

export function actionEntry(actionKey: string, root = repoRoot()): string {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(actionKey)) throw new Error(`invalid action name ${JSON.stringify(actionKey)}`);
  const entry = path.join(root, 'actions', actionKey, 'index.js');
  if (!fs.existsSync(entry)) throw new Error(`unknown action ${actionKey}: ${entry} does not exist`);
  return entry;
}

export function actionInit(actionKey: string, root = repoRoot()): InitValue {
  const hit = cache.get(actionKey);
  if (hit) return hit;
  const esbuild = require('esbuild') as typeof import('esbuild');
  const out = esbuild.buildSync({
    entryPoints: [actionEntry(actionKey, root)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  });
  const code = out.outputFiles[0].text;
  const init: InitValue = { name: actionKey, main: 'main', code, binary: false, env: {} };
  cache.set(actionKey, init);
  return init;
}
