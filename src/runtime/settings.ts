/** Settings of the action runtime process (one per worker). */
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { defineSettings } from '../config/settings';

export const runtimeSettings = defineSettings('runtime', {
  listen: {
    env: 'PRONGHORN_RUNTIME_LISTEN',
    schema: z.union([z.coerce.number().int().min(1).max(65535), z.string().startsWith('/')]),
    default: 8080,
    description: 'where the action runtime listens: a TCP port (all interfaces) or an absolute Unix-socket path',
  },
  codeDir: {
    env: 'PRONGHORN_RUNTIME_CODE_DIR',
    schema: z.string().startsWith('/'),
    default: path.join(os.tmpdir(), 'pronghorn-actions'),
    description: 'directory where zipped actions are extracted, one subdirectory per code digest (must outlive snapshots)',
  },
});
