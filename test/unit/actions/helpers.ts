/** Loads actions/<name> the way a user would: a plain require of the folder. */
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

export type ActionResult = Record<string, unknown> & { error?: unknown };

export interface ActionModule {
  main(params: Record<string, unknown>): ActionResult | Promise<ActionResult>;
  [helper: string]: unknown;
}

export function requireAction(name: string): ActionModule {
  return require(path.join(REPO_ROOT, 'actions', name)) as ActionModule;
}

/** The result, failing the test with the action's own error message if it returned one. */
export async function run(name: string, params: Record<string, unknown>): Promise<ActionResult> {
  const result = await requireAction(name).main(params);
  if (result.error !== undefined) throw new Error(`${name} returned an error: ${JSON.stringify(result.error)}`);
  return result;
}
