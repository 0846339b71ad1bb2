/**
 * A tiny local object store for the upload action: `PUT /<bucket>/<key>` stores the body's size and
 * SHA-256 (not the bytes), `GET` of a stored key answers them. It stands in for the artifact's MinIO.
 */
import crypto from 'node:crypto';
import Fastify, { FastifyInstance } from 'fastify';

export interface StoredObject {
  bytes: number;
  sha256: string;
}

export interface LocalObjectStore {
  /** Base URL to give the action as `endpoint` (includes the bucket). */
  endpoint: string;
  objects: Map<string, StoredObject>;
  close(): Promise<void>;
}

export async function startLocalObjectStore(bucket = 'bench'): Promise<LocalObjectStore> {
  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: 256 * 1024 * 1024 });
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  const objects = new Map<string, StoredObject>();
  app.put<{ Params: { bucket: string; '*': string } }>('/:bucket/*', async (req, reply) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const stored = { bytes: body.byteLength, sha256: crypto.createHash('sha256').update(body).digest('hex') };
    objects.set(`${req.params.bucket}/${req.params['*']}`, stored);
    return reply.code(200).header('etag', `"${stored.sha256}"`).send(stored);
  });
  app.get<{ Params: { bucket: string; '*': string } }>('/:bucket/*', async (req, reply) => {
    const stored = objects.get(`${req.params.bucket}/${req.params['*']}`);
    return stored ? stored : reply.code(404).send({ error: 'no such key' });
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return { endpoint: `${address}/${bucket}`, objects, close: () => app.close() };
}
