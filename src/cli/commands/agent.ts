/** `pronghorn agent`: the node agent's HTTP API (workers, snapshots, restores) with the criu or docker backend. */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Command } from 'commander';
import { createAgent, createCriuBackend } from '../../agent';
import { DockerBackend } from '../../agent/backends/docker/backend';
import { agentSettings } from '../../agent/settings';
import type { AgentStore } from '../../agent/core';
import { logger } from '../../log/logger';
import { sidecarSettings } from '../../sidecar/settings';
import { MemoryStateStore } from '../../store/memory';
import { RedisStateStore } from '../../store/redis';

interface Flags {
  listen?: string;
  dataDir?: string;
  backend?: string;
  standby?: string;
  node?: string;
  json?: boolean;
}

/** The token from the settings, else one kept in <dataDir>/token (0600) so clients on the node can read it as root. */
function resolveToken(configured: string | undefined, dataDir: string): { token: string; file?: string } {
  if (configured) return { token: configured };
  const file = path.join(dataDir, 'token');
  if (fs.existsSync(file)) return { token: fs.readFileSync(file, 'utf8').trim(), file };
  const token = randomBytes(24).toString('hex');
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, token + '\n', { mode: 0o600 });
  return { token, file };
}

export function register(program: Command): void {
  program
    .command('agent')
    .description('run the node agent: HTTP API to create workers (cold or from a snapshot), run activations, snapshot and restore them')
    .option('--listen <address>', 'host:port, port, or absolute Unix-socket path (PRONGHORN_AGENT_LISTEN)')
    .option('--data-dir <dir>', 'data directory for snapshot images and workers (PRONGHORN_AGENT_DATA_DIR)')
    .option('--backend <name>', 'criu or docker (PRONGHORN_AGENT_BACKEND)')
    .option('--standby <n>', 'criu backend: workers started ahead (PRONGHORN_AGENT_STANDBY)')
    .option('--node <name>', 'node name in worker and snapshot records (PRONGHORN_AGENT_NODE)')
    .option('--json', 'print one JSON document with the address and token file once listening')
    .addHelpText('after', '\nLineage and worker records go to Redis when PRONGHORN_REDIS_URL is set, else to memory.\nSee docs/agent.md for the API (src/agent/openapi.yaml) and the backends.')
    .action(async (flags: Flags) => {
      const log = logger('agent');
      const s = agentSettings.load({ listen: flags.listen, dataDir: flags.dataDir, backend: flags.backend, standby: flags.standby, node: flags.node });
      const { token, file } = resolveToken(s.token, s.dataDir);
      const side = sidecarSettings.load();
      const store: AgentStore & { close(): Promise<void> } = side.redisUrl
        ? new RedisStateStore({ url: side.redisUrl, prefix: side.redisPrefix })
        : new MemoryStateStore();
      if (!side.redisUrl) log.warn('PRONGHORN_REDIS_URL is unset: lineage and worker records stay in this process');
      const backend = s.backend === 'docker'
        ? new DockerBackend({ dockerSocket: s.dockerSocket, podmanSocket: s.podmanSocket, image: s.image, log })
        : createCriuBackend({ dataDir: s.dataDir, standby: s.standby, log });
      const agent = await createAgent({ store, dataDir: s.dataDir, token, backend, node: s.node, log });
      const address = await agent.listen(s.listen);
      log.info({ address, backend: backend.name, dataDir: s.dataDir, tokenFile: file ?? '(PRONGHORN_AGENT_TOKEN)' }, 'agent listening');
      if (flags.json) process.stdout.write(JSON.stringify({ address, backend: backend.name, dataDir: s.dataDir, tokenFile: file ?? null }) + '\n');
      const stop = (): void => {
        log.info('stopping: ending every worker');
        void agent.close().then(() => store.close()).finally(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
