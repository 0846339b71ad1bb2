/**
 * `pronghorn status [ACTION]`: what Pronghorn learned, read from the store the sidecar writes.
 * Without ACTION a table of actions; with ACTION its warm-up curve and snapshot pool; `--json` prints
 * the same documents the status page's API serves; `--serve` serves that page itself.
 */
import { Command } from 'commander';
import Fastify from 'fastify';
import { ConfigError } from '../../config/settings';
import { logger } from '../../log/logger';
import { RedisStateStore } from '../../store/redis';
import { actionStatus } from '../../status/assemble';
import { overview, statusPlugin } from '../../status/plugin';
import { sidecarSettings } from '../../sidecar/settings';
import { statusSettings } from '../../status/settings';
import { actionNameSchema, storeStatusSource, type StatusSource } from '../../status/source';
import { renderAction, renderOverview } from '../../status/terminal';

interface StatusOptions {
  json?: boolean;
  redis?: string;
  prefix?: string;
  decisions?: string;
  serve?: string | boolean;
  width?: string;
}

const log = logger('status');

function fail(message: string, code = 2): void {
  process.stderr.write(`pronghorn status: ${message}\n`);
  process.exitCode = code;
}

async function serve(source: StatusSource, listen: string, decisionsLimit: number): Promise<void> {
  const [host, port] = [listen.slice(0, listen.lastIndexOf(':')), Number(listen.slice(listen.lastIndexOf(':') + 1))];
  // A browser keeps its connection open; closing must not wait for it.
  const app = Fastify({ logger: false, forceCloseConnections: true });
  await app.register(statusPlugin, { source, redirectRoot: true, decisionsLimit });
  const address = await app.listen({ host, port });
  log.info({ url: `${address}/status` }, 'status page listening');
  process.stderr.write(`status page: ${address}/status (Ctrl-C stops)\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await app.close();
}

export function register(program: Command): void {
  program
    .command('status')
    .description('what Pronghorn learned per action: activations, cold starts, restores, snapshots, best request number, estimated improvement over fixed:1; with ACTION its warm-up curve and snapshot pool')
    .argument('[action]', 'one action, as ns/name or ns/pkg/name')
    .option('--json', 'print one JSON document (the status API\'s shape)')
    .option('--redis <url>', 'Redis the sidecar writes (env PRONGHORN_REDIS_URL, the sidecar\'s setting)')
    .option('--prefix <prefix>', 'key prefix in Redis (env PRONGHORN_REDIS_PREFIX, default pronghorn:)')
    .option('--decisions <n>', 'decisions to show for ACTION (env PRONGHORN_STATUS_DECISIONS, default 50)')
    .option('--width <columns>', 'width of the terminal chart', '72')
    .option('--serve [host:port]', 'serve the status page from this store instead of printing (env PRONGHORN_STATUS_LISTEN, default 127.0.0.1:8095)')
    .addHelpText(
      'after',
      '\nThe improvement estimate is the expected latency per request over a worker lifetime when new workers start from\n' +
        'the best snapshot in the pool (or cold), against all of them restoring the snapshot after request 1 (fixed:1);\n' +
        'see docs/operations.md. The embedded mode (npm start) shows the same on its status page.',
    )
    .action(async (action: string | undefined, opts: StatusOptions) => {
      let settings;
      let storeSettings;
      try {
        settings = statusSettings.load({ decisions: opts.decisions, listen: typeof opts.serve === 'string' ? opts.serve : undefined });
        // The store is the sidecar's, located by the sidecar's settings.
        storeSettings = sidecarSettings.load({ redisUrl: opts.redis, redisPrefix: opts.prefix });
      } catch (err) {
        if (err instanceof ConfigError) return fail(err.message);
        throw err;
      }
      if (action !== undefined) {
        const parsed = actionNameSchema.safeParse(action);
        if (!parsed.success) return fail(`invalid action ${JSON.stringify(action)}: ${parsed.error.issues[0].message}`);
      }
      const width = Number(opts.width);
      if (!Number.isInteger(width) || width < 10 || width > 1000) return fail(`invalid --width ${JSON.stringify(opts.width)}: expected 10..1000`);
      if (!storeSettings.redisUrl) {
        return fail('no store to read: pass --redis URL or set PRONGHORN_REDIS_URL (the embedded mode shows its status on its own page)');
      }
      const store = new RedisStateStore({ url: storeSettings.redisUrl, prefix: storeSettings.redisPrefix });
      const source = storeStatusSource(store);
      try {
        if (opts.serve !== undefined) {
          await serve(source, settings.listen!, settings.decisions!);
          return;
        }
        if (action === undefined) {
          const doc = await overview(source);
          process.stdout.write(opts.json ? JSON.stringify(doc) + '\n' : renderOverview(doc));
          return;
        }
        const input = await source.load(action);
        if (!input) return fail(`no statistics for action ${action} (is it opted in with -a pronghorn true, and has it run?)`, 1);
        const doc = actionStatus(input, await source.decisions(action, settings.decisions!));
        process.stdout.write(opts.json ? JSON.stringify(doc) + '\n' : renderAction(doc, width));
      } catch (err) {
        fail(`cannot read the store at ${storeSettings.redisUrl}: ${(err as Error).message}`, 1);
      } finally {
        await store.close().catch(() => undefined);
      }
    });
}
