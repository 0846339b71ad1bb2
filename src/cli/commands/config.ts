/** `pronghorn config`: every setting of every component, with its variable, default and meaning. */
import { Command } from 'commander';
import { allSettings } from '../../config/settings';
import { loadAllSettingModules } from '../../config/all';

export function register(program: Command): void {
  program
    .command('config')
    .description('list every setting (environment variable, default, meaning)')
    .option('--json', 'print one JSON document')
    .action((opts: { json?: boolean }) => {
      loadAllSettingModules();
      const rows: { component: string; key: string; env: string; default: unknown; description: string }[] = [];
      for (const [component, specs] of allSettings()) {
        for (const [key, spec] of Object.entries(specs)) {
          rows.push({ component, key, env: spec.env, default: spec.default ?? null, description: spec.description });
        }
      }
      if (opts.json) {
        process.stdout.write(JSON.stringify({ settings: rows }) + '\n');
        return;
      }
      for (const r of rows) {
        process.stdout.write(`${r.env.padEnd(34)} ${String(r.default ?? '(unset)').padEnd(24)} ${r.description}\n`);
      }
    });
}
