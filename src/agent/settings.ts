/** Settings of the node agent and its backends. Flags of `pronghorn agent` override them. */
import os from 'node:os';
import { z } from 'zod';
import { defineSettings } from '../config/settings';

export const agentSettings = defineSettings('agent', {
  listen: {
    env: 'PRONGHORN_AGENT_LISTEN',
    schema: z.string().regex(/^(\/.+|[^:/]+:\d{1,5}|\d{1,5})$/, 'expected host:port, a port, or an absolute Unix-socket path'),
    default: '127.0.0.1:7070',
    description: 'where the agent API listens: host:port, a port (127.0.0.1), or an absolute Unix-socket path',
  },
  token: {
    env: 'PRONGHORN_AGENT_TOKEN',
    schema: z.string().min(16, 'use at least 16 characters'),
    default: undefined,
    description: 'bearer token required by the agent API; unset: a random one is written to <data dir>/token (0600)',
  },
  dataDir: {
    env: 'PRONGHORN_AGENT_DATA_DIR',
    schema: z.string().startsWith('/'),
    default: '/var/lib/pronghorn/agent',
    description: 'agent data directory (0700): snapshot images, worker directories, extracted action code',
  },
  backend: {
    env: 'PRONGHORN_AGENT_BACKEND',
    schema: z.enum(['criu', 'docker']),
    default: 'criu',
    description: 'worker backend: criu (local processes in their own namespaces) or docker (Docker/podman engine API)',
  },
  node: {
    env: 'PRONGHORN_AGENT_NODE',
    schema: z.string().min(1),
    default: os.hostname(),
    description: 'node name written into worker and snapshot records',
  },
  standby: {
    env: 'PRONGHORN_AGENT_STANDBY',
    schema: z.coerce.number().int().min(0).max(64),
    default: 2,
    description: 'criu backend: workers started ahead (hot stand-by) so that restores and cold starts skip worker creation',
  },
  criuTimeoutMs: {
    env: 'PRONGHORN_CRIU_TIMEOUT_MS',
    schema: z.coerce.number().int().min(1000),
    default: 30_000,
    description: 'criu backend: a dump or restore running longer is killed and reported as failed (a damaged image can make CRIU spin)',
  },
  criuVerbosity: {
    env: 'PRONGHORN_CRIU_VERBOSITY',
    schema: z.coerce.number().int().min(0).max(4),
    default: 2,
    description: 'criu backend: CRIU log level (-v); 4 logs timestamps of every step, for finding where time goes',
  },
  criuPrewarm: {
    env: 'PRONGHORN_CRIU_PREWARM',
    schema: z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true'),
    default: true,
    description: 'criu backend: stand-by workers start `criu restore` ahead, so a restore does not wait for CRIU to start (0 turns it off)',
  },
  runtimeNodeOptions: {
    env: 'PRONGHORN_AGENT_RUNTIME_NODE_OPTIONS',
    schema: z.string(),
    // V8's own young generation: allocation-heavy actions ran 2x slower with 1 MB semi-spaces, which
    // only made images smaller; stand-bys keep the larger restore off the request path (docs/agent.md).
    default: '',
    description: 'criu backend: NODE_OPTIONS of runtime processes (default none: V8\'s own heap sizes; e.g. --max-semi-space-size=1 for images a third smaller, at the cost of slower allocation-heavy actions)',
    emptyIsValue: true,
  },
  dockerSocket: {
    env: 'PRONGHORN_DOCKER_SOCKET',
    schema: z.string().startsWith('/'),
    default: '/var/run/docker.sock',
    description: 'docker backend: Docker Engine API socket (create, start, checkpoint)',
  },
  podmanSocket: {
    env: 'PRONGHORN_PODMAN_SOCKET',
    schema: z.string().startsWith('/'),
    default: undefined,
    description: 'docker backend: podman API socket; when set podman does every call (its checkpoints restore into new containers, Docker\'s do not reliably)',
  },
  image: {
    env: 'PRONGHORN_AGENT_IMAGE',
    schema: z.string().min(1),
    default: 'pronghorn/nodejs-runtime:latest',
    description: 'docker backend: container image running the action runtime (dist/runtime/server.js on port 8080)',
  },
});
