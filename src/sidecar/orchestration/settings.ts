/** Settings of the orchestration loop (hot stand-bys, agent call timeouts and retries). */
import { z } from 'zod';
import { defineSettings } from '../../config/settings';
import type { OrchestratorOptions } from '../orchestrator';

export const orchestratorSettings = defineSettings('orchestrator', {
  agentUrl: {
    env: 'PRONGHORN_AGENT_URL',
    schema: z.string().regex(/^(https?:\/\/[^\s]+|unix:\/[^\s]*)$/, 'expected http(s)://host:port or unix:/absolute/socket'),
    default: undefined,
    description: "The node agent `pronghorn sidecar` orchestrates (http://host:port, or unix:/path/to/socket), with PRONGHORN_AGENT_TOKEN as bearer token; unset: the sidecar only learns (no orchestration, no worker or decision API)",
  },
  standbys: {
    env: 'PRONGHORN_STANDBYS',
    schema: z.coerce.number().int().min(0).max(16),
    default: 1,
    description: 'Workers per action kept ready ahead of requests (restored from the best snapshot, or started cold), so that starts stay off the request path; 0 starts workers on demand',
  },
  prefaultStandbys: {
    env: 'PRONGHORN_PREFAULT_STANDBYS',
    schema: z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true'),
    default: true,
    description:
      "Stand-bys restored from a snapshot touch their JS heap once before they count as ready, so that their first request does not pay for the first access to restored memory (dear on some VMs: docs/agent.md); the restore takes longer, off the request path; skipped while requests find their stand-by still starting (0 turns it off)",
  },
  startTimeoutMs: {
    env: 'PRONGHORN_AGENT_START_TIMEOUT_MS',
    schema: z.coerce.number().int().min(100),
    default: 15_000,
    description: 'Timeout of one agent call that starts or restores a worker, ms',
  },
  maintenanceTimeoutMs: {
    env: 'PRONGHORN_AGENT_MAINTENANCE_TIMEOUT_MS',
    schema: z.coerce.number().int().min(100),
    default: 30_000,
    description: 'Timeout of one agent call that dumps, deletes a snapshot or stops a worker, ms',
  },
  retries: {
    env: 'PRONGHORN_AGENT_RETRIES',
    schema: z.coerce.number().int().min(0).max(10),
    default: 2,
    description: 'Retries of a failed or timed-out agent call (exponential backoff from 100 ms, at most 2 s); a restore that still fails falls back to a cold start',
  },
});

export function orchestratorOptions(s: ReturnType<typeof orchestratorSettings.load>): OrchestratorOptions {
  const backoff = { baseDelayMs: 100, maxDelayMs: 2_000 };
  return {
    standbys: s.standbys,
    prefaultStandbys: s.prefaultStandbys,
    startRetry: { timeoutMs: s.startTimeoutMs, retries: s.retries, ...backoff },
    maintenanceRetry: { timeoutMs: s.maintenanceTimeoutMs, retries: s.retries, ...backoff },
  };
}
