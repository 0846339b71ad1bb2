/**
 * Entry point of the action runtime (dist/runtime/server.js): one worker process serving one action.
 * Listens where PRONGHORN_RUNTIME_LISTEN says (TCP port or absolute Unix-socket path). Start it with
 * UV_USE_IO_URING=0 when it is to be checkpointed: CRIU cannot dump io_uring.
 */
import fs from 'node:fs';
import { buildRuntimeApp } from './app';
import { runtimeSettings } from './settings';

async function start(): Promise<void> {
  const settings = runtimeSettings.load();
  const app = buildRuntimeApp({ codeDir: settings.codeDir });
  if (typeof settings.listen === 'string') {
    fs.rmSync(settings.listen, { force: true }); // a stale socket file from a previous process
    await app.listen({ path: settings.listen });
  } else {
    await app.listen({ port: settings.listen, host: '0.0.0.0' });
  }
  const stop = (): void => void app.close().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

start().catch((err) => {
  process.stderr.write(`pronghorn runtime: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
