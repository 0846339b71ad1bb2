/** Settings for reading action annotations from OpenWhisk. */
import { z } from 'zod';
import { defineSettings, zBool } from '../config/settings';

export const openwhiskSettings = defineSettings('openwhisk', {
  apihost: {
    env: 'PRONGHORN_OW_APIHOST',
    schema: z.string().min(1),
    default: undefined,
    description: 'OpenWhisk API host whose action annotations are read (e.g. https://ow.example.com); unset: every action gets the defaults below',
  },
  apiKey: {
    env: 'PRONGHORN_OW_API_KEY',
    schema: z.string().regex(/^[^:]+:.+$/, 'expected uuid:key'),
    default: undefined,
    description: 'OpenWhisk credentials (uuid:key) allowed to read the actions',
  },
  ignoreCerts: {
    env: 'PRONGHORN_OW_IGNORE_CERTS',
    schema: zBool,
    default: false,
    description: 'Accept self-signed TLS certificates of the API host',
  },
  annotationTtlSec: {
    env: 'PRONGHORN_ANNOTATION_TTL_SEC',
    schema: z.coerce.number().int().positive(),
    default: 60,
    description: 'How long an action’s annotations are cached (s); failed reads are retried after a fifth of it',
  },
  defaultOptIn: {
    env: 'PRONGHORN_DEFAULT_OPT_IN',
    schema: zBool,
    default: false,
    description: 'Whether actions without a `pronghorn` annotation are managed',
  },
  defaultPolicy: {
    env: 'PRONGHORN_DEFAULT_POLICY',
    schema: z.string().min(1),
    default: 'pronghorn',
    description: 'Policy of actions without a `pronghorn-policy` annotation',
  },
});
