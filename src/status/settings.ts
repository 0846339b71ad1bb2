/** Settings of the status views (`pronghorn status`, its --serve page). Flags override them. */
import { z } from 'zod';
import { defineSettings } from '../config/settings';

export const statusSettings = defineSettings('status', {
  redisUrl: {
    env: 'PRONGHORN_REDIS_URL',
    schema: z.string().url(),
    default: undefined,
    description: 'Redis holding the statistics (the one the sidecar writes); `pronghorn status` reads it',
  },
  redisPrefix: {
    env: 'PRONGHORN_REDIS_PREFIX',
    schema: z.string().min(1),
    default: 'pronghorn:',
    description: 'Key prefix of the statistics in Redis (the sidecar\'s)',
  },
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
