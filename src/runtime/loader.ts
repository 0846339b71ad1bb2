/**
 * Turns an `/init` payload into the action's main function, the way OpenWhisk's Node.js runtime does:
 * plain source (a top-level `function main`, `exports.main`, `module.exports.main`, any main name) or a
 * base64 zip (`binary: true`) with its own package.json and node_modules.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { createRequire } from 'node:module';
import AdmZip from 'adm-zip';
import { codeDigest } from './digest';
import type { InitValue } from './protocol';

export type ActionMain = (params: Record<string, unknown>) => unknown;

export interface LoadedAction {
  main: ActionMain;
  /** Everything the action module exports; `afterRestore` is looked up here. */
  exports: Record<string, unknown>;
  digest: string;
}

export class ActionInitError extends Error {}

// A main name is an identifier path (e.g. `main`, `handler`, `api.entry`): it is looked up, never evaluated as code.
const MAIN_NAME = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

function lookup(root: unknown, dotted: string): unknown {
  let cur: unknown = root;
  for (const part of dotted.split('.')) {
    if (cur === null || cur === undefined) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Extracted zips live in a directory per code digest, shared by every worker (and its restored copies). */
function extractZip(base64: string, digest: string, codeDir: string): string {
  const target = path.join(codeDir, digest);
  if (fs.existsSync(target)) return target;
  fs.mkdirSync(codeDir, { recursive: true, mode: 0o700 });
  const tmp = fs.mkdtempSync(path.join(codeDir, `.${digest.slice(0, 12)}-`));
  try {
    new AdmZip(Buffer.from(base64, 'base64')).extractAllTo(tmp, true);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new ActionInitError(`the action is marked binary but is not a valid zip file (${(err as Error).message})`);
  }
  try {
    fs.renameSync(tmp, target);
  } catch {
    fs.rmSync(tmp, { recursive: true, force: true }); // another worker extracted the same code first
  }
  return target;
}

function loadSource(code: string, mainName: string): LoadedAction['exports'] & { __resolved: unknown } {
  const filename = path.join(os.tmpdir(), 'action.js');
  const module = { exports: {} as Record<string, unknown> };
  // The wrapper returns a lookup closure so that a top-level `function main` (not exported) is found too.
  const wrapper = `(function (exports, require, module, __filename, __dirname) {\n${code}\n;return function (n) { try { return eval(n); } catch (e) { return undefined; } };\n})`;
  const fn = vm.runInThisContext(wrapper, { filename }) as (...args: unknown[]) => (name: string) => unknown;
  // Like OpenWhisk's own Node.js runtime, a plain-source action may require the packages installed with
  // the runtime itself: resolve its require() from the runtime's own directory (and so its node_modules).
  const actionRequire = createRequire(path.join(__dirname, 'action.js'));
  const scopeLookup = fn.call(module.exports, module.exports, actionRequire, module, filename, path.dirname(filename));
  const first = mainName.split('.')[0];
  const inScope = scopeLookup(first);
  const resolved = typeof inScope === 'function' || (inScope && typeof inScope === 'object')
    ? lookup({ [first]: inScope }, mainName)
    : undefined;
  return Object.assign({}, module.exports, { __resolved: resolved ?? lookup(module.exports, mainName) });
}

export function loadAction(init: InitValue, codeDir: string): LoadedAction {
  if (!MAIN_NAME.test(init.main)) throw new ActionInitError(`invalid main name ${JSON.stringify(init.main)}`);
  const digest = codeDigest(init);
  let exportsObj: Record<string, unknown>;
  let main: unknown;
  if (init.binary) {
    const dir = extractZip(init.code, digest, codeDir);
    const hasEntry = fs.existsSync(path.join(dir, 'package.json')) || fs.existsSync(path.join(dir, 'index.js'));
    if (!hasEntry) throw new ActionInitError('zipped actions must contain either package.json or index.js at the root.');
    exportsObj = require(dir) as Record<string, unknown>;
    main = lookup(exportsObj, init.main);
  } else {
    const loaded = loadSource(init.code, init.main);
    main = loaded.__resolved;
    exportsObj = loaded;
  }
  if (typeof main !== 'function') throw new ActionInitError(`Action entrypoint '${init.main}' is not a function.`);
  return { main: main as ActionMain, exports: exportsObj, digest };
}
