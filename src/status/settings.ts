/**
 * Settings of the status views (`pronghorn status`, its --serve page). Flags override them. The store
 * to read is the sidecar's: PRONGHORN_REDIS_URL and PRONGHORN_REDIS_PREFIX (src/sidecar/settings.ts).
 */
import { z } from 'zod';
import { defineSettings } from '../config/settings';

export const statusSettings = defineSettings('status', {
  decisions: {
    env: 'PRONGHORN_STATUS_DECISIONS',
    schema: z.coerce.number().int().min(0).max(1000),
    default: 50,
    description: 'Decisions shown per action by `pronghorn status ACTION` and the status page',
  },
  listen: {
    env: 'PRONGHORN_STATUS_LISTEN',
    schema: z.string().regex(/^[^:]+:\d{1,5}$/, 'expected HOST:PORT'),
    default: '127.0.0.1:8095',
    description: 'Where `pronghorn status --serve` serves the status page (HOST:PORT)',
  },
});
