/**
 * The log threshold, registered like every other setting so that `pronghorn config` and the docs list
 * it. logger.ts reads the variable itself at load time (before any settings are loaded).
 */
import { z } from 'zod';
import { defineSettings } from '../config/settings';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export const logSettings = defineSettings('log', {
  level: {
    env: 'PRONGHORN_LOG_LEVEL',
    schema: z.enum(LOG_LEVELS),
    default: 'info',
    description: 'threshold of the JSON logs on stderr: trace, debug, info, warn, error, fatal or silent',
  },
});
